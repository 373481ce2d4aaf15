using System.Globalization;
using System.Text.RegularExpressions;
using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// The aggregator's metrics after a short real federation over the wire, as Prometheus scrapes them from the management
/// port, and its round and stage spans as an OTLP collector receives them when one is configured.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed partial class MetricsAndTracesOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>Every metric the issue names, as the Prometheus exporter spells it.</summary>
    public static readonly string[] NamedMetrics =
    [
        "fedface_aggregator_rounds_opened_total",
        "fedface_aggregator_rounds_committed_total",
        "fedface_aggregator_rounds_aborted_total",
        "fedface_aggregator_sites_joined",
        "fedface_aggregator_sites_active",
        "fedface_aggregator_updates_accepted_total",
        "fedface_aggregator_updates_rejected_total",
        "fedface_aggregator_network_received_bytes_total",
        "fedface_aggregator_network_sent_bytes_total",
        "fedface_aggregator_round_duration_seconds_count",
        "fedface_aggregator_round_duration_seconds_sum",
        "fedface_aggregator_round_stage_duration_seconds_count",
        "fedface_aggregator_privacy_epsilon_spent",
        "fedface_aggregator_privacy_epsilon_budget",
    ];

    private readonly CapturedLog _log = new(output);

    [Fact]
    public async Task After_a_short_federation_the_metrics_endpoint_exposes_every_named_metric_with_a_non_zero_value()
    {
        await using RunningAggregator aggregator = await StartAsync("metrics", new ObservabilitySettings { ManagementPort = 0 });
        await RunShortFederationAsync(aggregator);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        string scraped = await http.GetStringAsync(new Uri(aggregator.ManagementUri!, "/metrics"));

        output.WriteLine(string.Join('\n', scraped.Split('\n').Where(l => l.StartsWith("fedface_", StringComparison.Ordinal))));
        Dictionary<string, double> totals = Totals(scraped);
        Assert.All(NamedMetrics, name => Assert.True(totals.GetValueOrDefault(name) > 0, $"{name} is {totals.GetValueOrDefault(name)}"));
        Assert.Equal(3, totals["fedface_aggregator_rounds_opened_total"]);
        Assert.Equal(2, totals["fedface_aggregator_rounds_committed_total"]);
        Assert.Equal(2, totals["fedface_aggregator_sites_joined"]);
        Assert.Equal(5, totals["fedface_aggregator_updates_accepted_total"]);
        Assert.Contains("fedface_aggregator_rounds_aborted_total{otel_scope_name=\"FedFace.Aggregator\",reason=\"too_few_updates\"} 1", Lines(scraped));
        Assert.Contains(Lines(scraped), l => l.StartsWith("fedface_aggregator_updates_rejected_total{", StringComparison.Ordinal) && l.Contains("reason=\"Malformed\"", StringComparison.Ordinal));
        Assert.Contains(Lines(scraped), l => l.StartsWith("fedface_aggregator_network_received_bytes_total{", StringComparison.Ordinal)
            && l.Contains("rpc_method=\"/fedface.v1.Federation/UploadUpdate\"", StringComparison.Ordinal));
        foreach (string stage in new[] { "collect", "aggregate", "commit" })
        {
            Assert.Contains(Lines(scraped), l => l.StartsWith("fedface_aggregator_round_stage_duration_seconds_count{", StringComparison.Ordinal)
                && l.Contains($"stage=\"{stage}\"", StringComparison.Ordinal));
        }
        // The rounds' own events carry their fixed ids through the real logging pipeline.
        Assert.Contains(_log.Entries, e => e.EventId == 2003 && e.Message.StartsWith("Round 2: committed model v1", StringComparison.Ordinal));
        Assert.Contains(_log.Entries, e => e.EventId == 2004 && e.Message.StartsWith("Round 1 aborted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_round_and_stage_spans_and_the_metrics_reach_the_collector()
    {
        await using FakeOtlpCollector collector = await FakeOtlpCollector.StartAsync();
        RunningAggregator aggregator = await StartAsync("otlp", new ObservabilitySettings
        {
            ManagementEnabled = false,
            OtlpEndpoint = collector.Endpoint.ToString(),
            OtlpProtocol = OtlpProtocol.HttpProtobuf,
        });
        await using (aggregator)
        {
            await RunShortFederationAsync(aggregator);
        } // stopping flushes what the exporters still hold

        output.WriteLine(string.Join(", ", collector.Received.Select(r => $"{r.Path} ({r.Body.Length} bytes)")));
        foreach (string span in new[] { "round", "collect", "aggregate", "commit" })
        {
            Assert.True(collector.Carried("/v1/traces", span), $"no span named {span} was exported");
        }
        Assert.True(collector.Carried("/v1/traces", "fedface.round.outcome"), "the round span lost its outcome");
        Assert.True(collector.Carried("/v1/traces", "/fedface.v1.Federation/UploadUpdate"), "the gRPC calls were not traced");
        Assert.True(collector.Carried("/v1/metrics", "fedface.aggregator.rounds.committed"), "the metrics were not exported");
    }

    /// <summary>
    /// Round 1 aborts (one site declines, so one update of the two needed), rounds 2 and 3 commit; one malformed upload
    /// is refused. Central differential privacy, so ε is spent.
    /// </summary>
    private async Task RunShortFederationAsync(RunningAggregator aggregator)
    {
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 20);
        await Task.WhenAll(first.JoinAsync(), second.JoinAsync()).WaitAsync(Eventually.Patience);

        Task<(RoundTask Task, UploadReply Reply)> taking = first.TakePartAsync(minRound: 1);
        RoundTask declined = await second.NextTaskAsync(minRound: 1).WaitAsync(Eventually.Patience);
        await second.Client.DeclineRoundAsync(new DeclineRoundRequest { ProtocolVersion = SyntheticSite.Protocol, Round = declined.Round, Reason = "not today" });
        Assert.True((await taking.WaitAsync(Eventually.Patience)).Reply.Accepted);
        Assert.False((await aggregator.Rounds.WaitForRoundAsync(1)).Summary.Committed);
        UploadReply malformed = await first.SendAsync(header: null, []);
        Assert.Equal(RejectionCode.Malformed, malformed.Rejection);

        foreach (long round in new long[] { 2, 3 })
        {
            var answers = await Task.WhenAll(first.TakePartAsync(round), second.TakePartAsync(round)).WaitAsync(Eventually.Patience);
            Assert.All(answers, a => Assert.True(a.Reply.Accepted, a.Reply.Reason));
            Assert.True((await aggregator.Rounds.WaitForRoundAsync(round)).Summary.Committed);
        }
    }

    private Task<RunningAggregator> StartAsync(string name, ObservabilitySettings observability)
    {
        string workspace = federation.Workspace(name);
        return RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 5)))
        {
            MinSites = 2,
            TotalRounds = 2,
            MinimumAbortedRoundSeconds = 0,
            DifferentialPrivacy = new DifferentialPrivacySettings
            {
                Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.01, ClipNorm = 0.3, EpsilonBudget = 1e9, Delta = 1e-5,
            },
            Observability = observability,
        }, _log);
    }

    private static string[] Lines(string scraped) => [.. scraped.Split('\n').Select(l => MetricLine().Match(l)).Where(m => m.Success)
        .Select(m => $"{m.Groups["name"].Value}{m.Groups["labels"].Value} {m.Groups["value"].Value}")];

    /// <summary>Each metric's value summed over its label sets.</summary>
    private static Dictionary<string, double> Totals(string scraped) => scraped.Split('\n').Select(l => MetricLine().Match(l)).Where(m => m.Success)
        .GroupBy(m => m.Groups["name"].Value)
        .ToDictionary(g => g.Key, g => g.Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));

    /// <summary>A sample line of the Prometheus text format: name, optional labels, value, optional timestamp.</summary>
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>[^ ]+)( [0-9]+)?$")]
    private static partial Regex MetricLine();
}
