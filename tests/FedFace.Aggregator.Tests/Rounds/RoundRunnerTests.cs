using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Strategies;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>One round top to bottom with a scripted collector: no Kestrel, no TLS, no sites.</summary>
public sealed class RoundRunnerTests
{
    private static readonly ModelState Initial = TestModels.Small(seed: 3);

    [Fact]
    public async Task A_round_commits_the_example_weighted_mean_of_what_it_collected_signed_and_checkpointed()
    {
        ModelState first = TestModels.DeltaFor("site-01", 1, Initial), second = TestModels.DeltaFor("site-02", 1, Initial);
        var collector = new ScriptedCollector().Sends("site-01", first, examples: 30).Sends("site-02", second, examples: 10);
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02");

        RoundSummary summary = await bench.RunRoundAsync();

        Assert.True(summary.Committed, summary.Outcome);
        Assert.Equal("committed model v1 from 2 updates (40 examples)", summary.Outcome);
        Assert.Equal((1L, 0L, 1L), (summary.Round, summary.BaseModelVersion, summary.CommittedModelVersion!.Value));
        Assert.Equal(["site-01", "site-02"], summary.AcceptedSites);
        Assert.Empty(summary.RejectedSites);
        TestModels.AssertPreviousPlusWeightedMean(Initial, [(first, 30), (second, 10)], bench.Model.Model);
        Assert.Equal((1L, 1L), (bench.Model.ModelVersion, bench.Model.CommittedRound));
        (CommittedState state, ModelState checkpointed, _) = bench.Checkpoints.Load();
        Assert.Equal((1L, 1L), (state.ModelVersion, state.CommittedRound));
        TestModels.AssertSameValues(bench.Model.Model, checkpointed);
        Assert.Equal(summary.CommittedModelSha256, state.ModelSha256);
        Assert.NotNull(state.Signature);
    }

    [Fact]
    public async Task A_round_with_fewer_updates_than_MinSites_aborts_and_the_model_stays()
    {
        var collector = new ScriptedCollector().Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5)
            .Answers("site-02", new SiteAnswer.Declined("the site's policy forbids it"));
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02");

        RoundSummary summary = await bench.RunRoundAsync();

        Assert.False(summary.Committed);
        Assert.Equal("aborted: 1 valid updates by the deadline, 2 needed; nothing committed", summary.Outcome);
        Assert.Equal(new Dictionary<string, string> { ["site-02"] = "declined: the site's policy forbids it" }, summary.RejectedSites);
        Assert.Equal(0, bench.Model.ModelVersion);
        TestModels.AssertSameValues(Initial, bench.Model.Model);
        Assert.Equal(0, bench.Checkpoints.Load().State.ModelVersion);
    }

    [Fact]
    public async Task A_collection_that_aborts_commits_nothing_whatever_it_collected()
    {
        var collector = new ScriptedCollector { AbortReason = "too few sites answered stage 1" }
            .Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5).Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02");

        RoundSummary summary = await bench.RunRoundAsync();

        Assert.False(summary.Committed);
        Assert.Equal("aborted: too few sites answered stage 1; nothing committed", summary.Outcome);
        Assert.Equal(0, bench.Model.ModelVersion);
    }

    [Fact]
    public async Task A_candidate_the_last_check_refuses_is_not_committed_and_the_round_names_the_largest_update()
    {
        ModelState huge = TestModels.Random(TestModels.SmallLayout, seed: 9, scale: 1e4f);
        var collector = new ScriptedCollector().Sends("site-01", huge, examples: 5).Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02");

        RoundSummary summary = await bench.RunRoundAsync();

        Assert.False(summary.Committed);
        Assert.StartsWith("aborted: the candidate model v1 was not committed: its model change norm", summary.Outcome, StringComparison.Ordinal);
        Assert.Contains("updates folded: site-01, site-02; largest updates: site-01 (norm", summary.Outcome, StringComparison.Ordinal);
        Assert.EndsWith("model v0 stays", summary.Outcome, StringComparison.Ordinal);
        TestModels.AssertSameValues(Initial, bench.Model.Model);
    }

    [Fact]
    public async Task Each_site_is_reported_by_its_typed_answer()
    {
        var collector = new ScriptedCollector()
            .Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5)
            .Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5)
            .Answers("site-03", new SiteAnswer.Rejected(new Rejection(RejectionCode.NonFinite, "tensor 'fc.weight' holds NaN")))
            .Answers("site-04", new SiteAnswer.SecureMessageRefused("the masked input is malformed"));
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02", "site-03", "site-04");

        RoundSummary summary = await bench.RunRoundAsync();

        Assert.True(summary.Committed, summary.Outcome);
        Assert.Equal(["site-01", "site-02"], summary.AcceptedSites);
        Assert.Equal(new Dictionary<string, string>
        {
            ["site-03"] = "NonFinite: tensor 'fc.weight' holds NaN",
            ["site-04"] = "the masked input is malformed",
        }, summary.RejectedSites);
    }

    [Fact]
    public async Task Rounds_aborted_in_a_row_up_to_the_limit_stop_the_federation_and_a_commit_between_them_resets_the_count()
    {
        ModelState huge = TestModels.Random(TestModels.SmallLayout, seed: 9, scale: 1e4f);
        var collector = new ScriptedCollector().Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5);
        using var bench = new RoundBench(Initial, collector, configure: o => (o.MinSites, o.TotalRounds, o.MaxConsecutiveAbortedRounds) = (1, 10, 2));
        bench.Join("site-01");
        FederationStatus status = bench.Get<FederationStatus>();

        Assert.True((await bench.RunRoundAsync()).Committed);
        collector.Forget().Sends("site-01", huge, examples: 5);
        Assert.False((await bench.RunRoundAsync()).Committed);
        Assert.False(status.Done);
        collector.Forget().Sends("site-01", TestModels.DeltaFor("site-01", 3, bench.Model.Model), examples: 5);
        Assert.True((await bench.RunRoundAsync()).Committed);
        collector.Forget().Sends("site-01", huge, examples: 5);
        Assert.False((await bench.RunRoundAsync()).Committed);
        Assert.False(status.Done); // one in a row since the commit
        RoundSummary last = await bench.RunRoundAsync();

        Assert.False(last.Committed);
        Assert.True(status.Done);
        Assert.Equal(2, bench.Model.ModelVersion);
        Assert.StartsWith("2 rounds in a row were aborted, the limit (Aggregator:MaxConsecutiveAbortedRounds); round 5 aborted: the candidate model v3 was not committed",
            status.FinishReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_round_the_strategy_will_not_configure_is_never_opened_and_the_federation_stops()
    {
        var collector = new ScriptedCollector();
        using var bench = new RoundBench(Initial, collector, strategy: new RefusingStrategy("the privacy budget is spent"));
        bench.Join("site-01", "site-02");

        Assert.Null(await bench.Runner.RunAsync(CancellationToken.None));

        Assert.Equal(0, collector.Prepared);
        FederationStatus status = bench.Get<FederationStatus>();
        Assert.True(status.Done);
        Assert.Equal("the privacy budget is spent", status.FinishReason);
        Assert.Null(bench.Get<CurrentRound>().Round);
    }

    [Fact]
    public async Task A_restarted_aggregator_serves_the_committed_model_and_opens_the_round_after_it()
    {
        var collector = new ScriptedCollector().Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5)
            .Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);
        string state = Directory.CreateTempSubdirectory("fedface-round-resume-").FullName;
        try
        {
            string committedHash;
            using (var first = new RoundBench(Initial, collector, stateDirectory: state))
            {
                first.Join("site-01", "site-02");
                committedHash = (await first.RunRoundAsync()).CommittedModelSha256!;
            }

            using var second = new RoundBench(Initial, new ScriptedCollector(), stateDirectory: state);
            second.Join("site-01", "site-02");

            Assert.Equal((1L, 1L, committedHash), (second.Model.ModelVersion, second.Model.CommittedRound, second.Model.Model.ComputeSha256Hex()));
            OpenRound next = second.OpenRound();
            Assert.Equal((2L, 1L, 1L), (next.Number, next.Task.ModelVersion, next.Task.ModelRound));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>A strategy that never lets a round open, as DP-FedAvg does once the budget is spent.</summary>
    private sealed class RefusingStrategy(string reason) : IAggregationStrategy
    {
        public RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal)
        {
            refusal = reason;
            return null;
        }

        public Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta) => throw new InvalidOperationException("no round opened");

        public AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates) => throw new InvalidOperationException("no round opened");

        public (Core.Privacy.PrivacySpent Spent, double EpsilonBudget)? PrivacySpent => null;
    }
}
