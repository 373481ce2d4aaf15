using FedFace.Aggregator.Tests.Kit;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>What a site says (decline reasons, metrics) reaches the aggregator's log as one harmless line, or not at all.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class SiteTextInLogsTests(TestFederation federation, ITestOutputHelper output)
{
    private const string ForgedReason = "busy\n[fake] Round 60: committed model v999\u001b[2J\r\u2028\u202e";

    [Fact]
    public async Task A_decline_reason_with_newlines_and_ANSI_escapes_is_logged_as_one_line_without_control_characters()
    {
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await StartAsync(log, "decline-injection");
        using var site = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), 10);
        RoundTask task = await site.NextTaskAsync().WaitAsync(Eventually.Patience);

        DeclineRoundReply reply = await site.Client.DeclineRoundAsync(new DeclineRoundRequest
        {
            ProtocolVersion = SyntheticSite.Protocol, Round = task.Round, Reason = ForgedReason,
        });

        Assert.True(reply.Recorded, reply.Reason);
        LogEntry declined = await log.WaitForAsync("site site-02 declined it", Eventually.Patience, "FedFace.Aggregator");
        AssertHarmless(declined.Message);
        Assert.Contains("[fake] Round 60: committed model v999", declined.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Matching("committed model v999"), e => e != declined);
        using var other = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), 10);
        await other.Client.DeclineRoundAsync(new DeclineRoundRequest { ProtocolVersion = SyntheticSite.Protocol, Round = task.Round, Reason = "elsewhere" });
        RoundSummary summary = (await aggregator.Rounds.WaitForRoundAsync(task.Round)).Summary;
        AssertHarmless(summary.RejectedSites["site-02"]);
    }

    [Fact]
    public async Task A_reason_for_leaving_a_secure_round_is_logged_as_one_line_without_control_characters()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("secagg-leave-injection");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 7)))
            {
                MinSites = 3,
                TotalRounds = 1,
                PreJoinedSites = ["site-01", "site-02", "site-03"],
                RoundDeadlineSeconds = 3600,
                SecureAggregation = new SecureAggregation.SecureAggregationOptions { Enabled = true },
            }, log);
        using var site = new SyntheticSite("site-03", federation.Pki, aggregator.Uri, log.Factory(), 10);
        RoundTask task = await site.NextTaskAsync().WaitAsync(Eventually.Patience);

        SecAggReceipt receipt = await site.SecAgg.SecAggLeaveAsync(new SecAggLeaveRequest { ProtocolVersion = SyntheticSite.Protocol, Round = task.Round, Reason = ForgedReason });

        Assert.True(receipt.Accepted, receipt.Reason);
        LogEntry left = await log.WaitForAsync("site site-03 left the secure round", Eventually.Patience, "FedFace.Aggregator");
        AssertHarmless(left.Message);
        Assert.DoesNotContain(log.Matching("committed model v999"), e => e != left);
    }

    [Theory]
    [InlineData(double.NaN, 10L, 1.0, "mean loss NaN")]
    [InlineData(0.5, -3L, 1.0, "example count -3")]
    [InlineData(0.5, long.MaxValue, 1.0, "example count 9223372036854775807")]
    [InlineData(0.5, 10L, double.PositiveInfinity, "training time Infinity s")]
    public async Task Metrics_with_a_non_finite_loss_or_an_absurd_count_are_refused_in_one_line_and_not_recorded(
        double loss, long examples, double seconds, string named)
    {
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await StartAsync(log, "metrics-refused");
        using var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), 10);
        RoundTask task = await site.NextTaskAsync().WaitAsync(Eventually.Patience);

        await site.Client.ReportMetricsAsync(new RoundMetrics
        {
            ProtocolVersion = SyntheticSite.Protocol, Round = task.Round, ExampleCount = examples, MeanLoss = loss, TrainSeconds = seconds, Steps = 1,
        });

        LogEntry refused = await log.WaitForAsync("Refused metrics from site-01", Eventually.Patience, "FedFace.Aggregator");
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        AssertHarmless(refused.Message);
        Assert.Empty(log.Matching("Site site-01 round"));
    }

    /// <summary>One round, one hour long, sampling site-01 and site-02: the tests talk to it while it is open.</summary>
    private async Task<RunningAggregator> StartAsync(CapturedLog log, string name)
    {
        string workspace = federation.Workspace(name);
        return await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 7)))
            {
                MinSites = 1,
                TotalRounds = 1,
                RoundDeadlineSeconds = 3600,
                PreJoinedSites = ["site-01", "site-02"],
            }, log);
    }

    private static void AssertHarmless(string text) =>
        Assert.DoesNotContain(text, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202e');
}
