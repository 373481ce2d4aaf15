using FedFace.Core.SecureAggregation;
using Xunit.Abstractions;

namespace FedFace.Core.Tests.SecureAggregation;

/// <summary>
/// Issue 25, part 2: the server plus corrupt sites that hand it every share they hold and sign whatever it asks. With
/// the colluders a configuration states it withstands (<see cref="RoundConfiguration.ColludersWithstood"/>) no single
/// input can be unmasked, by either strategy below; with one more it can, so the test is not vacuous. The strategies:
/// one survivor set for everyone (the colluders' shares must then give t of one secret on their own), and two sets —
/// the target survived for some sites, dropped for the others — each with a quorum of signatures, colluders signing both.
/// </summary>
public sealed class CollusionTests(ITestOutputHelper output)
{
    private const string Target = "site-01";
    private static readonly float[] s_secret = [0.125f, -0.5f, 0.75f, 0.25f, -0.125f, 0.375f, -0.25f, 0.0625f];

    [Theory]
    [InlineData(6, 0.0)]   // k = 5, t = 3, Q = 4: one colluder withstood (a second lets two quorums of 4 form among 6 sites)
    [InlineData(6, 0.34)]  // C = 2, Q = 5: two withstood (t − 1); a third holds t shares of both of the target's secrets
    [InlineData(7, 0.3)]   // C = 2, k = 6, t = 4, Q = 5: two withstood; a third splits the honest sites over two quorums
    public void The_stated_number_of_colluders_cannot_unmask_a_single_input_and_one_more_can(int siteCount, double corruptFraction)
    {
        using var federation = new TestFederation(siteCount);
        RoundConfiguration round = federation.Round(vectorLength: 8,
            settings: new SecAggSettings { MaxWeightPerSite = 100, CorruptFraction = corruptFraction });
        int withstood = round.ColludersWithstood;
        output.WriteLine($"n = {siteCount}, γ = {corruptFraction}: k = {round.NeighbourCount}, t = {round.Threshold}, Q = {round.SignatureQuorum}, "
            + $"withstands {withstood} colluders");
        Assert.True(withstood >= 1);

        Assert.Null(Attack(federation, round, withstood, OneSurvivorSet));
        Assert.Null(Attack(federation, round, withstood, TwoSurvivorSets));
        float[] recovered = Attack(federation, round, withstood + 1, OneSurvivorSet) ?? Attack(federation, round, withstood + 1, TwoSurvivorSets)
            ?? throw new Xunit.Sdk.XunitException($"{withstood + 1} colluders failed to unmask the target's input");
        Assert.All(s_secret.Zip(recovered), p => Assert.True(Math.Abs(p.First - p.Second) <= round.QuantizationStep, $"{p.First} vs {p.Second}"));
    }

    /// <summary>The survivor sets the server shows: to every site the same, everyone.</summary>
    private static Dictionary<string, string[]> OneSurvivorSet(RoundConfiguration round, string[] colluders)
    {
        string[] everyone = [.. round.SiteIds];
        return round.SiteIds.ToDictionary(s => s, _ => everyone, StringComparer.Ordinal);
    }

    /// <summary>U (the target and just enough honest sites for a quorum with the colluders) to those in it, U' (the colluders
    /// and every other honest site) to the rest: the target's self-mask shares come from U, its mask-key shares from U'.</summary>
    private static Dictionary<string, string[]> TwoSurvivorSets(RoundConfiguration round, string[] colluders)
    {
        string[] honest = [.. round.SiteIds.Where(s => s != Target && !colluders.Contains(s))];
        int inU = Math.Max(0, round.SignatureQuorum - colluders.Length - 1);
        string[] u = [.. new[] { Target }.Concat(colluders).Concat(honest.Take(inU)).Order(StringComparer.Ordinal)];
        string[] uPrime = [.. colluders.Concat(honest.Skip(inU)).Order(StringComparer.Ordinal)];
        return round.SiteIds.ToDictionary(s => s, s => u.Contains(s) && !colluders.Contains(s) ? u : uPrime, StringComparer.Ordinal);
    }

    /// <summary>
    /// One round, honest up to the masked inputs, then the consistency check and unmasking as the server plays them: each
    /// honest site is shown its set and given every signature on that set (the colluders sign every set with their keys);
    /// the colluders add every share they hold. Returns the target's input if the server can rebuild it, else null.
    /// </summary>
    private float[]? Attack(TestFederation federation, RoundConfiguration round, int colluderCount,
        Func<RoundConfiguration, string[], Dictionary<string, string[]>> sets)
    {
        string[] neighbours = [.. round.Graph.NeighboursOf(Target).Order(StringComparer.Ordinal)];
        string[] colluders = neighbours[..colluderCount];
        Dictionary<string, string[]> shown = sets(round, colluders);
        (Dictionary<string, SecAggClient> clients, Dictionary<string, KeyAdvertisement> advertisements, uint[] targetMasked) = UpToMaskedInput(federation, round);

        var signatures = new List<(string[] Set, SurvivorSetSignature Signature)>();
        // Sets are compared by reference: each strategy hands the same array to every site shown that set.
        foreach (string[] set in shown.Values.Distinct())
        {
            foreach (string corrupt in colluders)
                signatures.Add((set, new SurvivorSetSignature(round.RoundId, corrupt, federation.Signers[corrupt](DomainLabels.SurvivorSetSigned(round.RoundId, round.Digest, corrupt, set)))));
        }
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] honest = [.. round.SiteIds.Except(colluders)];
        foreach (string site in honest)
        {
            try
            {
                signatures.Add((shown[site], clients[site].ConfirmSurvivors(new ConsistencyCheckRequest(round.RoundId, site, shown[site]))));
            }
            catch (SecAggProtocolException e)
            {
                refusals[site] = e.Message;
            }
        }
        var obtained = new List<(string Holder, RevealedShare Share)>();
        foreach (string site in honest.Where(s => !refusals.ContainsKey(s)))
        {
            SurvivorSetSignature[] onSet = [.. signatures.Where(s => s.Set == shown[site]).Select(s => s.Signature)];
            try
            {
                obtained.AddRange(clients[site].Unmask(new UnmaskRequest(round.RoundId, site, shown[site], onSet)).Shares.Select(s => (site, s)));
            }
            catch (SecAggProtocolException e)
            {
                refusals[site] = e.Message;
            }
        }
        foreach (string corrupt in colluders)
        {
            foreach ((string owner, (SecretShare seed, SecretShare key)) in clients[corrupt].HeldShares)
            {
                obtained.Add((corrupt, new RevealedShare(owner, ShareKind.SelfMaskSeed, seed.ToBytes())));
                obtained.Add((corrupt, new RevealedShare(owner, ShareKind.MaskKey, key.ToBytes())));
            }
        }
        float[]? recovered = MaliciousUnmasking.TryRecover(round, advertisements, targetMasked, obtained, Target, neighbours);
        output.WriteLine($"  {colluderCount} colluders, {shown.Values.Distinct().Count()} survivor set(s): {(recovered is null ? "input hidden" : "input recovered")}; "
            + $"{refusals.Count} refusals{string.Concat(refusals.Select(r => $"\n    {r.Key}: {r.Value}"))}");
        return recovered;
    }

    /// <summary>Stages 0 to 2 run honestly through the server: every client has masked its input (the target's is the secret).</summary>
    private static (Dictionary<string, SecAggClient> Clients, Dictionary<string, KeyAdvertisement> Advertisements, uint[] TargetMasked) UpToMaskedInput(
        TestFederation federation, RoundConfiguration round)
    {
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        var server = new SecAggServer(round, federation.KeyRing, new MaskExpander(1));
        Dictionary<string, KeyAdvertisement> advertisements = clients.Values.Select(c => c.AdvertiseKeys()).ToDictionary(a => a.SiteId, StringComparer.Ordinal);
        foreach (KeyAdvertisement advertisement in advertisements.Values) Assert.True(server.Receive(advertisement).IsAccepted);
        foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys()) Assert.True(server.Receive(clients[site].ShareKeys(request)).IsAccepted);
        uint[] targetMasked = [];
        foreach ((string site, MaskedInputRequest request) in server.CloseShareKeys())
        {
            MaskedInput input = clients[site].MaskInput(request, site == Target ? s_secret : new float[round.VectorLength], 1);
            if (site == Target) targetMasked = input.Values;
        }
        return (clients, advertisements, targetMasked);
    }
}
