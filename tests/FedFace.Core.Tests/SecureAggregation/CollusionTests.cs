using FedFace.Core.SecureAggregation;
using Xunit.Abstractions;

namespace FedFace.Core.Tests.SecureAggregation;

/// <summary>
/// Issue 25, part 2: the server plus corrupt sites that hand it every share they hold. With the colluders a configuration
/// states it withstands (<see cref="RoundConfiguration.ColludersWithstood"/>) no single input can be unmasked; with one more
/// it can, so the test is not vacuous.
/// </summary>
public sealed class CollusionTests(ITestOutputHelper output)
{
    private const string Target = "site-01";

    [Theory]
    [InlineData(6, 0.0)]  // k = 5, t = 3: 2 colluders withstood
    [InlineData(7, 0.3)]  // C = 2 sized for; k = 6, t = 4: 3 withstood
    public void The_stated_number_of_colluders_cannot_unmask_a_single_input_and_one_more_can(int siteCount, double corruptFraction)
    {
        using var federation = new TestFederation(siteCount);
        RoundConfiguration round = federation.Round(vectorLength: 8,
            settings: new SecAggSettings { MaxWeightPerSite = 100, CorruptFraction = corruptFraction });
        int withstood = round.ColludersWithstood;
        output.WriteLine($"n = {siteCount}, γ = {corruptFraction}: k = {round.NeighbourCount}, t = {round.Threshold}, withstands {withstood} colluders");
        Assert.Equal(round.Threshold - 1, withstood);

        float[] secret = [0.125f, -0.5f, 0.75f, 0.25f, -0.125f, 0.375f, -0.25f, 0.0625f];
        HonestRound played = HonestRound.Play(federation, round, Target, secret);
        string[] neighbours = [.. round.Graph.NeighboursOf(Target).Order(StringComparer.Ordinal)];

        float[]? Recover(int colluders)
        {
            var obtained = new List<(string Holder, RevealedShare Share)>(played.Revealed);
            foreach (string corrupt in neighbours.Take(colluders))
            {
                foreach ((string owner, (SecretShare seed, SecretShare key)) in played.Clients[corrupt].HeldShares)
                {
                    obtained.Add((corrupt, new RevealedShare(owner, ShareKind.SelfMaskSeed, seed.ToBytes())));
                    obtained.Add((corrupt, new RevealedShare(owner, ShareKind.MaskKey, key.ToBytes())));
                }
            }
            Assert.Equal(colluders, obtained.Count(o => o.Share.OwnerId == Target && o.Share.Kind == ShareKind.MaskKey));
            return MaliciousUnmasking.TryRecover(round, played.Advertisements, played.MaskedInputs[Target], obtained, Target, neighbours);
        }

        Assert.Null(Recover(withstood));
        float[] recovered = Recover(withstood + 1) ?? throw new Xunit.Sdk.XunitException($"{withstood + 1} colluders failed to unmask the target's input");
        Assert.All(secret.Zip(recovered), p => Assert.True(Math.Abs(p.First - p.Second) <= round.QuantizationStep, $"{p.First} vs {p.Second}"));
    }

    /// <summary>One honest round run stage by stage, keeping what a server sees: advertisements, masked inputs, revealed shares.</summary>
    private sealed record HonestRound(Dictionary<string, SecAggClient> Clients, Dictionary<string, KeyAdvertisement> Advertisements,
        Dictionary<string, uint[]> MaskedInputs, List<(string Holder, RevealedShare Share)> Revealed)
    {
        public static HonestRound Play(TestFederation federation, RoundConfiguration round, string target, float[] targetDelta)
        {
            Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
            var server = new SecAggServer(round, federation.KeyRing, new MaskExpander(1));
            Dictionary<string, KeyAdvertisement> advertisements = clients.Values.Select(c => c.AdvertiseKeys()).ToDictionary(a => a.SiteId, StringComparer.Ordinal);
            foreach (KeyAdvertisement advertisement in advertisements.Values) Assert.True(server.Receive(advertisement).IsAccepted);
            foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys()) Assert.True(server.Receive(clients[site].ShareKeys(request)).IsAccepted);
            var masked = new Dictionary<string, uint[]>(StringComparer.Ordinal);
            foreach ((string site, MaskedInputRequest request) in server.CloseShareKeys())
            {
                MaskedInput input = clients[site].MaskInput(request, site == target ? targetDelta : new float[round.VectorLength], 1);
                masked[site] = input.Values;
                Assert.True(server.Receive(input).IsAccepted);
            }
            var revealed = new List<(string Holder, RevealedShare Share)>();
            foreach ((string site, UnmaskRequest request) in TestFederation.ConfirmSurvivors(server, clients, server.CloseMaskedInput()))
                revealed.AddRange(clients[site].Unmask(request).Shares.Select(s => (site, s)));
            return new HonestRound(clients, advertisements, masked, revealed);
        }
    }
}
