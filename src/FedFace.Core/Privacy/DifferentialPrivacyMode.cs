namespace FedFace.Core.Privacy;

/// <summary>Where the Gaussian noise of client-level DP comes from.</summary>
public enum DifferentialPrivacyMode
{
    /// <summary>No clipping, no noise, no accounting.</summary>
    Off,

    /// <summary>
    /// The aggregator adds N(0, (zC)²) to the sum after unmasking. The published model is private; the aggregator
    /// itself is trusted with the exact sum.
    /// </summary>
    Central,

    /// <summary>
    /// Each site adds its share N(0, (zC)²/k) before masking, so the sum of k or more shares carries the full
    /// noise and the aggregator, which sees only that sum, adds none (see <see cref="DpRoundPlan"/>). In secure rounds
    /// the share is an exact discrete Gaussian added in integers after quantization (<see cref="DiscreteGaussianEncoder"/>).
    /// </summary>
    Distributed,
}
