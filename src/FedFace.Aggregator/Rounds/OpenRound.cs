using System.Diagnostics;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Strategies;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// One round from its opening to its close: whom it sampled, its task and plan, the updates collected, and how each
/// site answered. Its mutable state is read and written under <see cref="Gate"/>; the rest is fixed when it opens.
/// </summary>
public sealed class OpenRound(long number, long baseVersion, IReadOnlyList<string> sampled, DateTimeOffset deadline, RoundTask task,
    RoundAggregationPlan plan, CollectedUpdates updates)
{
    private readonly HashSet<string> _sampled = new(sampled, StringComparer.Ordinal);
    private readonly TaskCompletionSource _everyoneAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public Lock Gate { get; } = new();
    public long Number { get; } = number;
    public long BaseVersion { get; } = baseVersion;
    /// <summary>The sampled sites in ordinal order.</summary>
    public IReadOnlyList<string> SampledSites { get; } = sampled;
    public DateTimeOffset Deadline { get; } = deadline;
    public RoundTask Task { get; } = task;
    public RoundAggregationPlan Plan { get; } = plan;
    public CollectedUpdates Updates { get; } = updates;
    /// <summary>The declared SHA-256 of each accepted update, to know a retry of it (empty from a site that declares none).</summary>
    public Dictionary<string, ByteString> AcceptedHashes { get; } = new(StringComparer.Ordinal);
    /// <summary>The weight norm of each accepted plain update, to name the largest if the round's model is refused.</summary>
    public Dictionary<string, double> UpdateNorms { get; } = new(StringComparer.Ordinal);
    /// <summary>Cancelled when the round closes, cutting uploads still streaming into it.</summary>
    public CancellationTokenSource Closing { get; } = new();
    /// <summary>Per answering site, in the order they answered.</summary>
    public Dictionary<string, SiteAnswer> Answers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, RoundMetrics> Metrics { get; } = new(StringComparer.Ordinal);
    /// <summary>Completes once every sampled site has answered.</summary>
    public Task EveryoneAnswered => _everyoneAnswered.Task;
    public TimeSpan Elapsed => _clock.Elapsed;
    public bool Closed { get; private set; }
    /// <summary>The round's SecAgg+ stages; null for a plain round.</summary>
    public SecureRound? Secure { get; set; }

    public bool IsSampled(string siteId) => _sampled.Contains(siteId);

    public bool HasAccepted(string siteId) => Answers.GetValueOrDefault(siteId) is SiteAnswer.Accepted;

    /// <summary>Records <paramref name="siteId"/>'s answer (replacing an earlier one) and says when nobody is left to wait for.</summary>
    public void Record(string siteId, SiteAnswer answer)
    {
        Answers[siteId] = answer;
        if (_sampled.All(Answers.ContainsKey))
        {
            _everyoneAnswered.TrySetResult();
        }
    }

    /// <summary>
    /// Why the round no longer takes an update from <paramref name="siteId"/>, or null. These facts move while the round
    /// is open, so they are asked both before an upload's data is read and again when it is complete.
    /// </summary>
    public Rejection? StopsTaking(string siteId, DateTimeOffset now) => Ended(now) ?? AlreadyDelivered(siteId);

    /// <summary>Why no update is taken any more: the deadline passed or the round closed; null while it is open.</summary>
    public Rejection? Ended(DateTimeOffset now) =>
        now > Deadline ? new(RejectionCode.DeadlinePassed, $"round {Number} passed its deadline {Deadline:O}")
        : Closed ? new(RejectionCode.DeadlinePassed, $"round {Number} is closed: every sampled site had answered")
        : null;

    public Rejection? AlreadyDelivered(string siteId) =>
        HasAccepted(siteId) ? new(RejectionCode.Duplicate, $"site {siteId} already delivered an update for round {Number}") : null;

    /// <summary>Closes the round (call under <see cref="Gate"/>): it takes no more answers, and uploads still streaming are cut.</summary>
    public void Close()
    {
        Closed = true;
        _ = Closing.CancelAsync(); // the cut uploads' callbacks run elsewhere, not inside the gate
    }

    /// <summary>The sites whose update the round folded, in ordinal order.</summary>
    public string[] AcceptedSites() => [.. Answers.Where(a => a.Value is SiteAnswer.Accepted).Select(a => a.Key).Order(StringComparer.Ordinal)];

    /// <summary>Which sites' updates the round folded and, for plain rounds, the largest of them: who to look at first.</summary>
    public string Contributions()
    {
        string folded = string.Join(", ", AcceptedSites());
        string largest = string.Join(", ", UpdateNorms.OrderByDescending(n => n.Value).Take(3)
            .Select(n => FormattableString.Invariant($"{n.Key} (norm {n.Value:G4})")));
        return Secure is null
            ? $"updates folded: {folded}; largest updates: {largest}"
            : $"updates folded: {folded} (securely aggregated: only their sum was seen)";
    }

    /// <summary>Example-weighted mean of the local losses reported by sites whose update was accepted.</summary>
    public double? MeanLoss() => AcceptedMean(r => r.MeanLoss);

    /// <summary>Example-weighted mean of the training accuracy reported by accepted sites that measure it.</summary>
    public double? MeanAccuracy() => AcceptedMean(r => r.HasAccuracy ? r.Accuracy : null);

    private double? AcceptedMean(Func<RoundMetrics, double?> value)
    {
        (double Value, long Examples)[] reports = [.. Metrics.Where(m => HasAccepted(m.Key))
            .Select(m => (Value: value(m.Value), m.Value.ExampleCount)).Where(r => r.Value is not null).Select(r => (r.Value!.Value, r.ExampleCount))];
        long examples = reports.Sum(r => r.Examples);
        return examples == 0 ? null : reports.Sum(r => r.Value * r.Examples) / examples;
    }
}
