using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class SecAggServerTests
{
    [Fact]
    public void A_forged_or_repeated_key_advertisement_is_rejected_with_a_reason_naming_the_site()
    {
        using var federation = new TestFederation(5);
        RoundConfiguration round = federation.Round();
        var server = new SecAggServer(round, federation.KeyRing, new MaskExpander(1));
        KeyAdvertisement genuine = federation.Client("site-02", round).AdvertiseKeys();
        // Signed by site-01's certificate key while claiming to be site-02.
        KeyAdvertisement forged = genuine with { Signature = federation.Signers["site-01"](genuine.SignedBytes()) };

        Acceptance rejected = server.Receive(forged);
        Assert.False(rejected.IsAccepted);
        Assert.Contains("site 'site-02' is forged", rejected.Reason);
        Assert.True(server.Receive(genuine).IsAccepted);
        Acceptance again = server.Receive(genuine);
        Assert.False(again.IsAccepted);
        Assert.Contains("already answered", again.Reason);
        Assert.False(server.Receive(genuine with { SiteId = "stranger" }).IsAccepted);
    }

    [Fact]
    public void A_replayed_masked_input_is_rejected_whether_a_second_copy_or_from_another_round()
    {
        using var federation = new TestFederation(4);
        RoundConfiguration seven = federation.Round(roundId: 7);
        RoundConfiguration eight = federation.Round(roundId: 8);
        (SecAggServer serverSeven, Dictionary<string, MaskedInput> sevenInputs) = UpToMaskedInput(federation, seven);
        (SecAggServer serverEight, Dictionary<string, MaskedInput> eightInputs) = UpToMaskedInput(federation, eight);

        Assert.True(serverSeven.Receive(sevenInputs["site-01"]).IsAccepted);
        Acceptance secondCopy = serverSeven.Receive(sevenInputs["site-01"]);
        Assert.False(secondCopy.IsAccepted);
        Assert.Contains("second copy", secondCopy.Reason);

        Acceptance otherRound = serverEight.Receive(sevenInputs["site-02"]);
        Assert.False(otherRound.IsAccepted);
        Assert.Contains("replay from another round", otherRound.Reason);
        // Relabelled with the right round id, the signature (over round and configuration) no longer verifies.
        Acceptance relabelled = serverEight.Receive(sevenInputs["site-02"] with { RoundId = 8 });
        Assert.False(relabelled.IsAccepted);
        Assert.Contains("not signed for round 8", relabelled.Reason);

        uint[] altered = (uint[])eightInputs["site-03"].Values.Clone();
        altered[0]++;
        Assert.False(serverEight.Receive(eightInputs["site-03"] with { Values = altered }).IsAccepted);
        Assert.True(serverEight.Receive(eightInputs["site-03"]).IsAccepted);
    }

    [Fact]
    public void Masks_cancel_exactly_the_sum_of_masked_inputs_minus_the_self_masks_is_the_sum_of_weighted_inputs()
    {
        using var federation = new TestFederation(7);
        RoundConfiguration round = federation.Round(settings: new SecAggSettings { NeighbourCount = 4, CoordinateBound = 0.5, MaxWeightPerSite = 100 });
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 4);
        (SecAggServer server, Dictionary<string, MaskedInput> masked) = UpToMaskedInput(federation, round, clients, inputs);

        uint[] sum = new uint[round.MaskedLength];
        foreach (MaskedInput input in masked.Values)
        {
            Assert.NotEqual(inputs[input.SiteId], input.Values); // masked: not the input
            for (int i = 0; i < sum.Length; i++) sum[i] += input.Values[i];
        }
        new MaskExpander(1).Apply(sum, [.. clients.Values.Select(c => new MaskTerm(c.SelfMaskSeed, MaskSign.Subtract))]);
        Assert.Equal(TestFederation.SumOf(inputs, round.SiteIds), sum);
        GC.KeepAlive(server);
    }

    [Fact]
    public void The_server_never_holds_both_kinds_of_share_for_any_site()
    {
        using var federation = new TestFederation(8);
        RoundConfiguration round = federation.Round();
        var runner = federation.InProcess(round);
        // site-03 and site-06 share keys, then drop: the server must ask for their mask keys, and b for the rest.
        runner.Dropouts["site-03"] = SecAggStage.MaskedInput;
        runner.Dropouts["site-06"] = SecAggStage.MaskedInput;
        runner.Dropouts["site-08"] = SecAggStage.Unmask;
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 9);
        runner.Run(site => inputs[site]);

        foreach (string site in round.SiteIds)
        {
            IReadOnlyList<ShareKind> kinds = runner.Server.ShareKindsHeldFor(site);
            Assert.True(kinds.Count <= 1, $"the server holds {string.Join(" and ", kinds)} shares of {site}");
        }
        Assert.Equal([ShareKind.MaskKey], runner.Server.ShareKindsHeldFor("site-03"));
        Assert.Equal([ShareKind.SelfMaskSeed], runner.Server.ShareKindsHeldFor("site-08"));
    }

    [Fact]
    public void A_survivor_offering_the_other_kind_of_share_is_refused_and_nothing_is_stored()
    {
        using var federation = new TestFederation(6);
        RoundConfiguration round = federation.Round();
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 2);
        (SecAggServer server, Dictionary<string, MaskedInput> masked) = UpToMaskedInput(federation, round, clients, inputs);
        foreach (MaskedInput input in masked.Values) server.Receive(input);
        UnmaskRequest request = TestFederation.ConfirmSurvivors(server, clients, server.CloseMaskedInput())["site-01"];

        UnmaskShares honest = clients["site-01"].Unmask(request);
        // A malicious site-01 hands over site-02's mask-key share instead of its seed share.
        var wrongKind = honest with
        {
            Shares = [.. honest.Shares.Select(s => s.OwnerId == "site-02" ? s with { Kind = ShareKind.MaskKey } : s)],
        };
        Acceptance refused = server.Receive(wrongKind);
        Assert.False(refused.IsAccepted);
        Assert.Contains("never holds both kinds", refused.Reason);
        Assert.Empty(server.ShareKindsHeldFor("site-02"));
        Assert.True(server.Receive(honest).IsAccepted);
        Assert.Equal([ShareKind.SelfMaskSeed], server.ShareKindsHeldFor("site-02"));
    }

    [Fact]
    public void A_signature_on_another_survivor_set_is_rejected_and_too_few_signers_abort_the_round()
    {
        using var federation = new TestFederation(6);
        RoundConfiguration round = federation.Round();
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 3);
        (SecAggServer server, Dictionary<string, MaskedInput> masked) = UpToMaskedInput(federation, round, clients, inputs);
        foreach (MaskedInput input in masked.Values) server.Receive(input);
        IReadOnlyDictionary<string, ConsistencyCheckRequest> requests = server.CloseMaskedInput();

        // site-01 signs a set without site-06: not the set the server holds.
        ConsistencyCheckRequest shrunk = requests["site-01"] with { Survivors = [.. round.SiteIds.Where(s => s != "site-06")] };
        Acceptance rejected = server.Receive(clients["site-01"].ConfirmSurvivors(shrunk));
        Assert.False(rejected.IsAccepted);
        Assert.Contains("the signature of site 'site-01' is not on this survivor set", rejected.Reason);
        // Three genuine signatures are fewer than the quorum of four (n = 6): nothing is revealed, the round aborts.
        foreach (string site in new[] { "site-02", "site-03", "site-04" }) Assert.True(server.Receive(clients[site].ConfirmSurvivors(requests[site])).IsAccepted);
        var aborted = Assert.Throws<SecAggAbortedException>(server.CloseConsistencyCheck);
        Assert.Equal((SecAggStage.ConsistencyCheck, 3, 4), (aborted.Stage, aborted.Survivors, aborted.Required));
    }

    [Theory]
    [InlineData(SecAggStage.AdvertiseKeys)]
    [InlineData(SecAggStage.ShareKeys)]
    [InlineData(SecAggStage.MaskedInput)]
    [InlineData(SecAggStage.Unmask)]
    public void Too_few_survivors_abort_the_round_naming_the_stage_and_counts(SecAggStage stage)
    {
        using var federation = new TestFederation(6); // complete graph: k = 5, t = 3
        RoundConfiguration round = federation.Round();
        var runner = federation.InProcess(round);
        foreach (string site in round.SiteIds.Take(4)) runner.Dropouts[site] = stage;
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 3);

        var error = Assert.Throws<SecAggAbortedException>(() => runner.Run(site => inputs[site]));
        Assert.Equal(stage, error.Stage);
        Assert.True(error.Survivors < error.Required, error.Message);
        Assert.Contains($"stage {stage}", error.Message);
        Assert.Equal(SecAggStage.Aborted, runner.Server.Stage);
        Assert.Throws<InvalidOperationException>(() => runner.Server.CloseUnmask());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Wrong_shares_abort_the_unmasking_naming_the_first_wrong_secret_in_site_order_whatever_the_threads(int threads)
    {
        using var federation = new TestFederation(6); // complete graph: k = 5, t = 3; site-01 (x = 1) is in every rebuild but its own
        RoundConfiguration round = federation.Round();
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        (SecAggServer server, Dictionary<string, MaskedInput> masked) =
            UpToMaskedInput(federation, round, clients, TestFederation.EncodedInputs(round, seed: 6), new MaskExpander(threads));
        foreach (MaskedInput input in masked.Values) server.Receive(input);
        IReadOnlyDictionary<string, UnmaskRequest> requests = TestFederation.ConfirmSurvivors(server, clients, server.CloseMaskedInput());
        foreach ((string site, UnmaskRequest request) in requests)
        {
            UnmaskShares shares = clients[site].Unmask(request);
            // site-01 lies about its shares of site-05 and site-03: the rebuild of site-03 is the first to fail.
            if (site == "site-01")
                shares = shares with { Shares = [.. shares.Shares.Select(s => s.OwnerId is "site-03" or "site-05" ? s with { Share = Altered(s.Share) } : s)] };
            Assert.True(server.Receive(shares).IsAccepted);
        }

        var error = Assert.Throws<SecAggAbortedException>(server.CloseUnmask);
        Assert.Equal(SecAggStage.Unmask, error.Stage);
        Assert.Contains("self-mask seed", error.Message);
        Assert.Contains("site 'site-03'", error.Message);
        Assert.DoesNotContain("site-05", error.Message);
        Assert.Equal(SecAggStage.Aborted, server.Stage);
    }

    private static byte[] Altered(byte[] share)
    {
        byte[] altered = (byte[])share.Clone();
        altered[0] ^= 1; // the lowest bit of the first chunk: still a field element, no longer the right one
        return altered;
    }

    private static (SecAggServer Server, Dictionary<string, MaskedInput> Inputs) UpToMaskedInput(TestFederation federation, RoundConfiguration round)
    {
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        return UpToMaskedInput(federation, round, clients, TestFederation.EncodedInputs(round, seed: 5));
    }

    /// <summary>Runs stages 0 and 1 with every site and makes (but does not deliver) every masked input.</summary>
    private static (SecAggServer Server, Dictionary<string, MaskedInput> Inputs) UpToMaskedInput(TestFederation federation, RoundConfiguration round,
        Dictionary<string, SecAggClient> clients, Dictionary<string, uint[]> inputs, MaskExpander? serverMasks = null)
    {
        var server = new SecAggServer(round, federation.KeyRing, serverMasks ?? new MaskExpander(1));
        foreach (SecAggClient client in clients.Values) Assert.True(server.Receive(client.AdvertiseKeys()).IsAccepted);
        foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys()) Assert.True(server.Receive(clients[site].ShareKeys(request)).IsAccepted);
        Dictionary<string, MaskedInput> masked = server.CloseShareKeys().ToDictionary(r => r.Key, r => clients[r.Key].MaskInput(r.Value, inputs[r.Key]));
        return (server, masked);
    }
}
