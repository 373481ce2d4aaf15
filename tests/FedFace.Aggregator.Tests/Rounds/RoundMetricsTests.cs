using System.Diagnostics.Metrics;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>What the round records in the FedFace.Aggregator meter: opened, committed or aborted with a reason, and its stage times.</summary>
public sealed class RoundMetricsTests
{
    private static readonly ModelState Initial = TestModels.Small(seed: 3);

    [Fact]
    public async Task A_committed_round_counts_one_opened_and_one_committed_and_times_its_three_stages()
    {
        var collector = new ScriptedCollector().Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5)
            .Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);

        Measured[] recorded = await RunOneRoundAsync(collector);

        Assert.Single(recorded, m => m.Instrument == "fedface.aggregator.rounds.opened");
        Assert.Single(recorded, m => m.Instrument == "fedface.aggregator.rounds.committed");
        Assert.DoesNotContain(recorded, m => m.Instrument == "fedface.aggregator.rounds.aborted");
        Assert.Equal(["aggregate", "collect", "commit"],
            recorded.Where(m => m.Instrument == "fedface.aggregator.round.stage.duration").Select(m => (string)m.Tags["stage"]!).Order());
        Measured round = Assert.Single(recorded, m => m.Instrument == "fedface.aggregator.round.duration");
        Assert.Equal("committed", round.Tags["outcome"]);
    }

    [Fact]
    public async Task Too_few_updates_are_counted_as_their_own_abort_reason()
    {
        var collector = new ScriptedCollector().Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5)
            .Answers("site-02", new SiteAnswer.Declined("not today"));

        Assert.Equal("too_few_updates", AbortReason(await RunOneRoundAsync(collector)));
    }

    [Fact]
    public async Task A_collection_that_failed_is_counted_as_its_own_abort_reason()
    {
        var collector = new ScriptedCollector { AbortReason = "too few sites answered stage 1" }
            .Sends("site-01", TestModels.DeltaFor("site-01", 1, Initial), examples: 5).Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);

        Assert.Equal("collection_failed", AbortReason(await RunOneRoundAsync(collector)));
    }

    [Fact]
    public async Task A_refused_candidate_model_is_counted_as_its_own_abort_reason_after_its_aggregate_stage()
    {
        var collector = new ScriptedCollector().Sends("site-01", TestModels.Random(TestModels.SmallLayout, seed: 9, scale: 1e4f), examples: 5)
            .Sends("site-02", TestModels.DeltaFor("site-02", 1, Initial), examples: 5);

        Measured[] recorded = await RunOneRoundAsync(collector);

        Assert.Equal("model_refused", AbortReason(recorded));
        Assert.Equal(["aggregate", "collect"],
            recorded.Where(m => m.Instrument == "fedface.aggregator.round.stage.duration").Select(m => (string)m.Tags["stage"]!).Order());
    }

    private static async Task<Measured[]> RunOneRoundAsync(ScriptedCollector collector)
    {
        using var bench = new RoundBench(Initial, collector);
        bench.Join("site-01", "site-02");
        using var recorder = new MeasurementRecorder(bench.Get<IMeterFactory>());

        await bench.RunRoundAsync();

        return [.. recorder.Measurements];
    }

    private static string AbortReason(Measured[] recorded)
    {
        Assert.DoesNotContain(recorded, m => m.Instrument == "fedface.aggregator.rounds.committed");
        Measured round = Assert.Single(recorded, m => m.Instrument == "fedface.aggregator.round.duration");
        Assert.Equal("aborted", round.Tags["outcome"]);
        return (string)Assert.Single(recorded, m => m.Instrument == "fedface.aggregator.rounds.aborted").Tags["reason"]!;
    }
}
