namespace FedFace.Core.Privacy;

/// <summary>Adaptive clipping's knobs (Andrew et al. 2021); absent settings mean a fixed clip.</summary>
public sealed class AdaptiveClippingSettings
{
    /// <summary>γ: the share of sites whose update should fit under the clip (the paper finds the median works well).</summary>
    public double TargetQuantile { get; set; } = 0.5;

    /// <summary>η_C of C ← C·exp(−η_C (b̃ − γ)); the paper uses 0.2.</summary>
    public double LearningRate { get; set; } = 0.2;

    /// <summary>
    /// σ_b, the noise on the count of unclipped sites; must exceed NoiseMultiplier/2. No default: the paper's
    /// "expected sites per round / 20" suits hundreds of sites; with a handful, σ_b near the noise multiplier keeps
    /// most of the noise for the update while b̃ stays usable over several rounds.
    /// </summary>
    public double CountNoiseMultiplier { get; set; }

    public AdaptiveClipping Create() => new(TargetQuantile, LearningRate);
}
