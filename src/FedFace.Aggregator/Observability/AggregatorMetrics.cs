using System.Diagnostics;
using System.Diagnostics.Metrics;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;

namespace FedFace.Aggregator.Observability;

/// <summary>The stages of a round that are timed and traced.</summary>
public enum RoundStage
{
    /// <summary>From the round's opening until every sampled site answered or its time ran out.</summary>
    Collect,
    /// <summary>The strategy's mean delta and the server optimiser's step with it.</summary>
    Aggregate,
    /// <summary>Signing, checkpointing and publishing the round's model.</summary>
    Commit,
}

/// <summary>
/// The aggregator's metrics (meter <see cref="Name"/>) and traces (activity source <see cref="Name"/>), recorded at the
/// round's seams. Stage spans and stage durations come from the same <see cref="Stage"/> scope, so the two never
/// disagree. Instrument names are part of the operator's contract (docs/operations.md): renaming one breaks dashboards.
/// </summary>
public sealed class AggregatorMetrics : IDisposable
{
    public const string Name = "FedFace.Aggregator";

    /// <summary>Seconds, from a quick stage to a long round: OpenTelemetry's default buckets are for milliseconds.</summary>
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly ActivitySource _traces = new(Name, typeof(AggregatorMetrics).Assembly.GetName().Version?.ToString());
    private readonly Counter<long> _roundsOpened;
    private readonly Counter<long> _roundsCommitted;
    private readonly Counter<long> _roundsAborted;
    private readonly Counter<long> _updatesAccepted;
    private readonly Counter<long> _updatesRejected;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Histogram<double> _roundDuration;
    private readonly Histogram<double> _stageDuration;
    private readonly Lock _privacyGate = new();
    private (double Spent, double Budget)? _epsilon;

    public AggregatorMetrics(IMeterFactory meters, SiteRegistry sites)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(sites);
        // From the host's factory: the meter lives and dies with this aggregator, not with the process.
        Meter meter = meters.Create(Name);
        _roundsOpened = meter.CreateCounter<long>("fedface.aggregator.rounds.opened", "{round}", "Rounds opened");
        _roundsCommitted = meter.CreateCounter<long>("fedface.aggregator.rounds.committed", "{round}", "Rounds that committed a model");
        _roundsAborted = meter.CreateCounter<long>("fedface.aggregator.rounds.aborted", "{round}", "Rounds that committed nothing, by reason");
        _updatesAccepted = meter.CreateCounter<long>("fedface.aggregator.updates.accepted", "{update}", "Site updates folded into a round");
        _updatesRejected = meter.CreateCounter<long>("fedface.aggregator.updates.rejected", "{update}", "Site updates refused, by reason");
        _bytesReceived = meter.CreateCounter<long>("fedface.aggregator.network.received", "By", "Protobuf message bytes received from sites, by gRPC method");
        _bytesSent = meter.CreateCounter<long>("fedface.aggregator.network.sent", "By", "Protobuf message bytes sent to sites, by gRPC method");
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        _roundDuration = meter.CreateHistogram("fedface.aggregator.round.duration", "s", "From a round's opening to its commit or abort", advice: seconds);
        _stageDuration = meter.CreateHistogram("fedface.aggregator.round.stage.duration", "s", "Time spent in each stage of a round", advice: seconds);
        meter.CreateObservableGauge("fedface.aggregator.sites.joined", () => sites.JoinedCount, "{site}", "Sites that joined the federation");
        meter.CreateObservableGauge("fedface.aggregator.sites.active", () => sites.LiveCount, "{site}",
            "Joined sites heard from within Aggregator:SiteTimeoutSeconds: the ones a round samples from");
        meter.CreateObservableGauge("fedface.aggregator.privacy.epsilon.spent", () => Epsilon(e => e.Spent), unit: null,
            "Differential privacy: ε spent so far (absent without differential privacy)");
        meter.CreateObservableGauge("fedface.aggregator.privacy.epsilon.budget", () => Epsilon(e => e.Budget), unit: null,
            "Differential privacy: the federation's ε budget (absent without differential privacy)");
    }

    /// <summary>Counts an opened round and starts its span; the stages' spans nest under it while it is current.</summary>
    public Activity? RoundOpened(OpenRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        _roundsOpened.Add(1);
        Activity? span = _traces.StartActivity("round");
        span?.SetTag("fedface.round", round.Number);
        span?.SetTag("fedface.model.version", round.BaseVersion);
        span?.SetTag("fedface.sites.sampled", round.SampledSites.Count);
        return span;
    }

    /// <summary>Counts how the round ended and records its duration; the span (if any) carries the outcome.</summary>
    public void RoundFinished(Activity? span, RoundResult result, TimeSpan elapsed, int acceptedUpdates)
    {
        ArgumentNullException.ThrowIfNull(result);
        string outcome = result.Committed ? "committed" : "aborted";
        if (result.Committed)
        {
            _roundsCommitted.Add(1);
        }
        else
        {
            _roundsAborted.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(result.AbortCause)));
        }
        _roundDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        span?.SetTag("fedface.round.outcome", outcome);
        span?.SetTag("fedface.updates.accepted", acceptedUpdates);
        if (!result.Committed)
        {
            span?.SetTag("fedface.round.abort_reason", ReasonTag(result.AbortCause));
        }
    }

    /// <summary>Times one stage of the round (histogram and span) until disposed.</summary>
    public StageScope Stage(RoundStage stage)
    {
        string name = stage.ToString().ToLowerInvariant();
        return new StageScope(_stageDuration, name, _traces.StartActivity(name));
    }

    public void UpdatesAccepted(int count = 1) => _updatesAccepted.Add(count);

    /// <param name="reason">A rejection code or another fixed word: it becomes a label, so never free text.</param>
    public void UpdateRejected(string reason) => _updatesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void BytesReceived(long bytes, string method) => _bytesReceived.Add(bytes, new KeyValuePair<string, object?>("rpc.method", method));

    public void BytesSent(long bytes, string method) => _bytesSent.Add(bytes, new KeyValuePair<string, object?>("rpc.method", method));

    /// <summary>What differential privacy has spent; read by the gauges when scraped, not from the accountant a round may be updating.</summary>
    public void PrivacySpent(double epsilonSpent, double epsilonBudget)
    {
        lock (_privacyGate)
        {
            _epsilon = (epsilonSpent, epsilonBudget);
        }
    }

    private IEnumerable<Measurement<double>> Epsilon(Func<(double Spent, double Budget), double> part)
    {
        lock (_privacyGate)
        {
            return _epsilon is { } epsilon ? [new Measurement<double>(part(epsilon))] : [];
        }
    }

    private static string ReasonTag(RoundAbortCause? cause) => cause switch
    {
        RoundAbortCause.TooFewUpdates => "too_few_updates",
        RoundAbortCause.CollectionFailed => "collection_failed",
        RoundAbortCause.ModelRefused => "model_refused",
        _ => "unknown",
    };

    public void Dispose() => _traces.Dispose();

    /// <summary>One stage being timed: disposing it records the duration and ends the span.</summary>
    public sealed class StageScope(Histogram<double> durations, string stage, Activity? span) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public void Dispose()
        {
            durations.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
            span?.Dispose();
        }
    }
}
