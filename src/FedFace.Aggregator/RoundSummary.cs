namespace FedFace.Aggregator;

/// <summary>What happened in one round, for logs, observers and reports. Aggregate figures only.</summary>
/// <param name="Privacy">With differential privacy: (ε, δ) spent by the federation after this round; null without.</param>
public sealed partial record RoundSummary(
    long Round,
    long BaseModelVersion,
    bool Committed,
    long? CommittedModelVersion,
    string? CommittedModelSha256,
    IReadOnlyList<string> SampledSites,
    IReadOnlyList<string> AcceptedSites,
    IReadOnlyDictionary<string, string> RejectedSites,
    long TotalExamples,
    double? MeanLocalLoss,
    double Seconds,
    string Outcome,
    FedFace.Core.Privacy.PrivacySpent? Privacy = null)
{
    /// <summary>How many global models the committed one is the mean of (AverageLastModels, last round only); 1 = its own step.</summary>
    public int AveragedModels { get; init; } = 1;

    /// <summary>Example-weighted mean of the training accuracy the accepted sites reported; null when none measured it.</summary>
    public double? MeanLocalAccuracy { get; init; }
}

/// <summary>
/// Told about every finished round before the next one opens; the simulator evaluates the new global
/// model here. Observers see the aggregate only, like the aggregator itself.
/// </summary>
public interface IRoundObserver
{
    Task OnRoundFinishedAsync(RoundSummary summary, FedFace.Core.ModelState globalModel, CancellationToken cancellationToken);
}
