namespace FedFace.Aggregator.Rounds;

/// <summary>Why a round committed nothing, in a word fit for a metric label (the outcome sentence says the rest).</summary>
public enum RoundAbortCause
{
    /// <summary>Fewer valid updates than Aggregator:MinSites by the deadline.</summary>
    TooFewUpdates,
    /// <summary>The collection itself failed (a secure round that could not unmask its sum).</summary>
    CollectionFailed,
    /// <summary>The candidate model failed its last check (not finite, or moved too far).</summary>
    ModelRefused,
}

/// <summary>How a closed round ended: a committed model or an abort, each with the sentence the summary and the log carry.</summary>
/// <param name="AveragedModels">How many global models the committed one is the mean of; 1 = its own step.</param>
public sealed record RoundResult(bool Committed, string Outcome, int AveragedModels = 1)
{
    /// <summary>Why an aborted round committed nothing; null for a committed round.</summary>
    public RoundAbortCause? AbortCause { get; init; }

    public static RoundResult Aborted(string reason, RoundAbortCause cause) => new(false, $"aborted: {reason}") { AbortCause = cause };
}
