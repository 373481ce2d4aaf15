using FedFace.Core.SecureAggregation;
using Xunit.Abstractions;

namespace FedFace.Core.Tests.SecureAggregation;

/// <summary>
/// A server that lies (issue 25, part 1), played against the real <see cref="SecAggClient"/>s with no colluding site:
/// it passes the target only the shares of t neighbours S, then asks the others for the target's self-mask share ("it
/// survived") and for every S member's mask-key share ("it dropped").
/// </summary>
public sealed class MaliciousAggregatorTests(ITestOutputHelper output)
{
    private const string Target = "site-01";
    private static readonly string[] MaskedWith = ["site-02", "site-03", "site-04"];

    [Fact]
    public void A_server_that_shows_sites_different_survivor_sets_cannot_unmask_a_single_input()
    {
        using var federation = new TestFederation(6);
        RoundConfiguration round = federation.Round(vectorLength: 8, settings: new SecAggSettings { MaxWeightPerSite = 100 });
        Assert.Equal((5, 3), (round.NeighbourCount, round.Threshold));
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        var server = new SecAggServer(round, federation.KeyRing, new MaskExpander(1));
        foreach (SecAggClient client in clients.Values) Assert.True(server.Receive(client.AdvertiseKeys()).IsAccepted);
        IReadOnlyDictionary<string, ShareKeysRequest> shareKeys = server.CloseAdvertiseKeys();
        foreach (SecAggClient client in clients.Values) Assert.True(server.Receive(client.ShareKeys(shareKeys[client.SiteId])).IsAccepted);
        IReadOnlyDictionary<string, MaskedInputRequest> masked = server.CloseShareKeys();

        float[] secret = [0.125f, -0.5f, 0.75f, 0.25f, -0.125f, 0.375f, -0.25f, 0.0625f];
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        uint[]? targetMasked = null;
        foreach (SecAggClient client in clients.Values)
        {
            MaskedInputRequest request = masked[client.SiteId];
            // (a) the target gets only the shares of t neighbours, so it masks with them alone.
            if (client.SiteId == Target) request = request with { Shares = [.. request.Shares.Where(s => MaskedWith.Contains(s.SenderId))] };
            MaskedInput input = client.MaskInput(request, client.SiteId == Target ? secret : new float[8], 1);
            if (client.SiteId == Target) targetMasked = input.Values;
        }

        // (b) every holder is shown a survivor set in which the target survived and the S members it is to reveal the mask
        // keys of dropped; it must keep t survivors among the five sites it holds shares of, so it can be told of two drops
        // at most, and each S member is "dropped" for t holders. The target itself is shown everyone.
        var droppedFor = new Dictionary<string, string[]>
        {
            [Target] = [], ["site-05"] = ["site-02", "site-03"], ["site-06"] = ["site-03", "site-04"],
            ["site-02"] = ["site-03", "site-04"], ["site-03"] = ["site-02", "site-04"], ["site-04"] = ["site-02"],
        };
        Dictionary<string, string[]> shown = droppedFor.ToDictionary(e => e.Key, e => round.SiteIds.Except(e.Value).ToArray());
        var signatures = new List<(string[] Set, SurvivorSetSignature Signature)>();
        foreach (SecAggClient client in clients.Values)
        {
            try
            {
                signatures.Add((shown[client.SiteId], client.ConfirmSurvivors(new ConsistencyCheckRequest(round.RoundId, client.SiteId, shown[client.SiteId]))));
            }
            catch (SecAggProtocolException e)
            {
                refusals[client.SiteId] = e.Message;
            }
        }
        var revealed = new List<(string Holder, RevealedShare Share)>();
        foreach (SecAggClient client in clients.Values.Where(c => !refusals.ContainsKey(c.SiteId)))
        {
            string[] set = shown[client.SiteId];
            // Every signature the server holds on this very set (a site checks signatures on the set it signed).
            SurvivorSetSignature[] onSet = [.. signatures.Where(s => s.Set.SequenceEqual(set)).Select(s => s.Signature)];
            try
            {
                revealed.AddRange(client.Unmask(new UnmaskRequest(round.RoundId, client.SiteId, set, onSet)).Shares.Select(s => (client.SiteId, s)));
            }
            catch (SecAggProtocolException e)
            {
                refusals[client.SiteId] = e.Message;
            }
        }
        foreach ((string site, string reason) in refusals) output.WriteLine($"{site} refused: {reason}");

        Dictionary<string, KeyAdvertisement> advertisements = shareKeys[Target].Neighbours.Append(shareKeys["site-02"].Neighbours.Single(a => a.SiteId == Target))
            .ToDictionary(a => a.SiteId, StringComparer.Ordinal);
        float[]? recovered = MaliciousUnmasking.TryRecover(round, advertisements, targetMasked!, revealed, Target, MaskedWith);
        if (recovered is not null)
            output.WriteLine($"recovered the target's input with max error {secret.Zip(recovered, (a, b) => Math.Abs(a - b)).Max():g3}: [{string.Join(", ", recovered)}]");
        Assert.Null(recovered);
        Assert.Empty(revealed);
        Assert.Equal(round.SiteIds, refusals.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("their shares never reached this site", refusals[Target]);
        Assert.All(refusals.Where(r => r.Key != Target), r => Assert.Contains("fewer than the quorum of 4", r.Value));
    }
}

/// <summary>What a dishonest server does with the shares it got: rebuild b of the target, and for each neighbour the target
/// masked with the pairwise seed — from the target's mask key s if it has t shares of it, else from the neighbour's — take
/// those masks off the target's masked input and decode it. Null when some secret it needs has fewer than t shares.</summary>
internal static class MaliciousUnmasking
{
    public static float[]? TryRecover(RoundConfiguration round, IReadOnlyDictionary<string, KeyAdvertisement> advertisements, uint[] targetMasked,
        IReadOnlyList<(string Holder, RevealedShare Share)> revealed, string target, IReadOnlyList<string> maskedWith)
    {
        byte[]? Rebuild(string owner, ShareKind kind)
        {
            SecretShare[] shares = [.. revealed.Where(r => r.Share.OwnerId == owner && r.Share.Kind == kind).DistinctBy(r => r.Holder)
                .Select(r => SecretShare.FromBytes(round.ShamirPointOf(r.Holder), r.Share.Share))];
            return shares.Length >= round.Threshold ? ShamirSecretSharing.Reconstruct(shares, round.Threshold) : null;
        }
        if (Rebuild(target, ShareKind.SelfMaskSeed) is not byte[] selfMask) return null;
        byte[]? targetKey = Rebuild(target, ShareKind.MaskKey);
        var removal = new List<MaskTerm> { new(selfMask, MaskSign.Subtract) };
        foreach (string neighbour in maskedWith)
        {
            byte[]? seed = targetKey is not null
                ? PairwiseMasks.Seed(SecAggKeyPair.FromPrivateKey(targetKey), target, neighbour, advertisements[neighbour].MaskPublicKey, round)
                : Rebuild(neighbour, ShareKind.MaskKey) is byte[] neighbourKey
                    ? PairwiseMasks.Seed(SecAggKeyPair.FromPrivateKey(neighbourKey), neighbour, target, advertisements[target].MaskPublicKey, round)
                    : null;
            if (seed is null) return null;
            removal.Add(new MaskTerm(seed, PairwiseMasks.Opposite(PairwiseMasks.SignFor(target, neighbour))));
        }
        uint[] values = (uint[])targetMasked.Clone();
        new MaskExpander(1).Apply(values, removal);
        (float[] weighted, long weight) = new InputQuantizer(round).Decode(values);
        return [.. weighted.Select(v => v / weight)];
    }
}
