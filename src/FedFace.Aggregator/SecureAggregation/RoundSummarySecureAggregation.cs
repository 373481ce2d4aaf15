using FedFace.Aggregator.SecureAggregation;

namespace FedFace.Aggregator;

public sealed partial record RoundSummary
{
    /// <summary>For a secure round: how many sites answered each stage, k, t and why it aborted, if it did; null for a plain round.</summary>
    public SecureRoundReport? SecureAggregation { get; init; }
}
