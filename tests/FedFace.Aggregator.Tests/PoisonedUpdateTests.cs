using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport.SecureAggregation;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Invariant 6 over the real wire: no site can make the federation commit a non-finite global model, or one that a
/// single update dragged far beyond any training step, and no site takes the round's weight by declaring a huge count.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class PoisonedUpdateTests(TestFederation federation, ITestOutputHelper output)
{
    private const long Examples = 18;

    private async Task<RunningAggregator> StartAsync(CapturedLog log, string name, ModelState initial, string[] sites, SecureAggregationOptions? secure = null,
        double maxModelChangeRatio = 10, ServerOptimizerSettings? optimizer = null, int totalRounds = 1)
    {
        string workspace = federation.Workspace(name);
        return await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = secure is null ? 2 : 3, // secure aggregation needs three
                TotalRounds = totalRounds,
                RoundDeadlineSeconds = 60, // every sampled site answers, so the round closes at once
                PreJoinedSites = sites,
                SecureAggregation = secure,
                MaxModelChangeRatio = maxModelChangeRatio,
                ServerOptimizer = optimizer ?? new ServerOptimizerSettings(),
                MinimumAbortedRoundSeconds = 0, // a refused round is followed at once by the next
            }, log);
    }

    /// <summary>The delta a site sends: zeros, with <paramref name="value"/> at the elements <paramref name="poison"/> picks.</summary>
    private static ModelState DeltaWith(ModelState global, Func<NamedTensor, int, bool> poison, float value) =>
        new(global.Tensors.Select(t => new NamedTensor(t.Name, (long[])t.Shape.Clone(),
            [.. Enumerable.Range(0, t.Values.Length).Select(i => poison(t, i) ? value : 0f)])));

    private static async Task<UploadReply> SendAsync(SyntheticSite site, RoundTask task, ModelState delta, long examples)
    {
        UpdateHeader header = FedFace.Transport.ModelTransfer.HeaderFor(task, delta, examples);
        return await site.SendAsync(header, TensorWire.DataChunks(delta)).WaitAsync(Eventually.Patience);
    }

    /// <summary>The round did not commit because of how far its model moved, and the federation still serves <paramref name="initial"/>.</summary>
    private static void AssertRefusedForItsChangeAndModelKept(FinishedRound finished, RunningAggregator aggregator, ModelState initial)
    {
        Assert.False(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Contains("model change norm", finished.Summary.Outcome, StringComparison.Ordinal);
        Assert.Equal(0, aggregator.Coordinator.ModelVersion);
        TestModels.AssertSameValues(initial, aggregator.Coordinator.GlobalModel);
    }

    /// <summary>Round 1 of an honest site and one whose every element is 1000: each within bounds, together far too large a step.</summary>
    private static async Task<(UploadReply Honest, UploadReply Pushy)> SendHonestAndPushyAsync(SyntheticSite honest, SyntheticSite pushy, ModelState initial)
    {
        RoundTask task = await honest.NextTaskAsync().WaitAsync(Eventually.Patience);
        return (await SendAsync(honest, task, honest.DeltaFor(task.Round, initial), Examples),
            await SendAsync(pushy, task, DeltaWith(initial, (_, _) => true, 1000f), Examples));
    }

    [Fact]
    public async Task An_element_that_would_overflow_once_weighted_and_a_huge_example_count_are_rejected_and_nothing_non_finite_is_committed()
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 21);
        await using RunningAggregator aggregator = await StartAsync(log, "poison", initial, ["site-01", "site-02", "site-03"]);
        using var honest = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        using var overflowing = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        using var boastful = new SyntheticSite("site-03", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        RoundTask task = await honest.NextTaskAsync().WaitAsync(Eventually.Patience);

        UploadReply zero = await SendAsync(honest, task, DeltaWith(initial, (_, _) => false, 0f), Examples);
        // The case: one finite element, 3e38, which 18 examples' weight turns into +Inf in the sum.
        UploadReply huge = await SendAsync(overflowing, task, DeltaWith(initial, (t, i) => t.Name == "conv.weight" && i == 0, 3e38f), Examples);
        UploadReply boast = await SendAsync(boastful, task, TestModels.DeltaFor("site-03", 1, initial), 9_000_000_000_000_000_000);

        Assert.True(zero.Accepted, $"{zero.Rejection}: {zero.Reason}");
        Assert.False(huge.Accepted, "an update holding 3e38 was accepted");
        Assert.Equal(RejectionCode.NonFinite, huge.Rejection);
        Assert.Contains("tensor 'conv.weight' holds 3E+38 at element 0", huge.Reason, StringComparison.Ordinal);
        Assert.False(boast.Accepted, "an update declaring 9e18 examples was accepted");
        Assert.Equal(RejectionCode.BadExampleCount, boast.Rejection);
        Assert.Contains("9000000000000000000 examples", boast.Reason, StringComparison.Ordinal);
        FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
        Assert.False(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal(0, aggregator.Coordinator.ModelVersion);
        Assert.All(aggregator.Coordinator.GlobalModel.Tensors, t => Assert.All(t.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public async Task An_update_counting_more_examples_than_the_faces_its_site_declared_at_joining_is_rejected()
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 25);
        await using RunningAggregator aggregator = await StartAsync(log, "declared", initial, ["site-01", "site-02"]);
        using var truthful = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), Examples) { DeclaredFaces = Examples };
        using var inflating = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), Examples) { DeclaredFaces = 10 };
        await truthful.JoinAsync();
        await inflating.JoinAsync();
        RoundTask task = await truthful.NextTaskAsync().WaitAsync(Eventually.Patience);
        Assert.Equal(1u, task.Training.LocalEpochs);

        UploadReply truth = await SendAsync(truthful, task, truthful.DeltaFor(task.Round, initial), Examples);
        UploadReply inflated = await SendAsync(inflating, task, inflating.DeltaFor(task.Round, initial), Examples);

        Assert.True(truth.Accepted, $"{truth.Rejection}: {truth.Reason}");
        Assert.False(inflated.Accepted, "an update counting 18 examples from a site that declared 10 faces was accepted");
        Assert.Equal(RejectionCode.BadExampleCount, inflated.Rejection);
        Assert.Contains("more than the 10 faces the site declared at joining times 1 local epochs", inflated.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_round_whose_candidate_model_moved_implausibly_far_is_aborted_naming_the_largest_update_and_the_model_is_kept()
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 22);
        await using RunningAggregator aggregator = await StartAsync(log, "implausible", initial, ["site-01", "site-02"]);
        using var honest = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        using var pushy = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        (UploadReply small, UploadReply large) = await SendHonestAndPushyAsync(honest, pushy, initial);

        Assert.True(small.Accepted, $"{small.Rejection}: {small.Reason}");
        Assert.True(large.Accepted, $"{large.Rejection}: {large.Reason}");
        FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
        AssertRefusedForItsChangeAndModelKept(finished, aggregator, initial);
        Assert.Contains("largest updates: site-02", finished.Summary.Outcome, StringComparison.Ordinal);
        Assert.NotEmpty(log.Matching("Round 1 aborted: the candidate model", "FedFace.Aggregator"));
    }

    [Fact]
    public async Task A_refused_round_leaves_the_server_optimisers_momentum_as_committed_so_the_next_honest_round_commits_its_own_step()
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 24);
        await using RunningAggregator aggregator = await StartAsync(log, "momentum", initial, ["site-01", "site-02"],
            optimizer: new ServerOptimizerSettings { Kind = "fedavgm", LearningRate = 1f, Momentum = 0.9f }, totalRounds: 2);
        using var honest = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        using var pushy = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), Examples);
        await SendHonestAndPushyAsync(honest, pushy, initial);
        Assert.False((await aggregator.Rounds.WaitForRoundAsync(1)).Summary.Committed);

        // Round 2, both honest: the momentum must not carry round 1's refused step (0.9 of it would be refused again).
        (RoundTask Task, UploadReply Reply)[] second = await Task.WhenAll(honest.TakePartAsync(minRound: 2), pushy.TakePartAsync(minRound: 2))
            .WaitAsync(Eventually.Patience);

        Assert.All(second, s => Assert.True(s.Reply.Accepted, $"{s.Reply.Rejection}: {s.Reply.Reason}"));
        FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(2);
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        SentUpdate[] accepted = [.. honest.Sent.Concat(pushy.Sent).Where(u => u.Header.Round == 2)];
        TestModels.AssertPreviousPlusWeightedMean(initial, [.. accepted.Select(u => (u.Delta, u.Header.ExampleCount))], finished.GlobalModel);
    }

    [Fact]
    public async Task A_secure_round_whose_summed_model_moves_beyond_the_bound_is_aborted_too_though_no_single_update_was_seen()
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 23);
        string[] ids = ["site-01", "site-02", "site-03"];
        var secure = new SecureAggregationOptions { Enabled = true, AdvertiseKeysSeconds = 4, ShareKeysSeconds = 4, UnmaskSeconds = 4 };
        // Honest steps of about 5% of the model's norm; a bound of 0.1% makes their sum implausible.
        await using RunningAggregator aggregator = await StartAsync(log, "secure-implausible", initial, ids, secure, maxModelChangeRatio: 0.001);
        SyntheticSite[] sites = [.. ids.Select(id => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), Examples))];
        try
        {
            (RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select(s => s.TakePartSecurelyAsync())).WaitAsync(Eventually.Patience);
            Assert.All(ends, e => Assert.True(e.End.InputIncluded, e.End.Description));

            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
            AssertRefusedForItsChangeAndModelKept(finished, aggregator, initial);
            Assert.Contains("updates folded: site-01, site-02, site-03 (securely aggregated: only their sum was seen)", finished.Summary.Outcome, StringComparison.Ordinal);
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }
}
