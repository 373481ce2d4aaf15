namespace FedFace.Core.Privacy;

/// <summary>
/// Server-side clip-norm estimator of Andrew et al. 2021, "Differentially Private Learning with Adaptive Clipping":
/// each round, sites report whether their update norm was at most C; from the noised fraction b̃ the clip moves
/// geometrically toward the γ-quantile of the norms, C ← C·exp(−η_C (b̃ − γ)). When more sites than γ fit under C
/// it shrinks, when fewer it grows.
/// </summary>
/// <remarks>
/// Sites report the centred bit bᵢ − ½ ∈ {−½, +½}, so one site moves the sum by at most ½ and its noise σ_b counts
/// as 2σ_b against the update's privacy (the paper's Theorem 1, <see cref="UpdateNoiseMultiplier"/>).
/// </remarks>
public sealed class AdaptiveClipping
{
    public AdaptiveClipping(double targetQuantile, double learningRate)
    {
        if (!(targetQuantile is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(targetQuantile), targetQuantile, "the target quantile γ must be in (0, 1)");
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the clip learning rate η_C must be positive");
        TargetQuantile = targetQuantile;
        LearningRate = learningRate;
    }

    /// <summary>γ: the fraction of sites whose update should fit under the clip unclipped.</summary>
    public double TargetQuantile { get; }

    /// <summary>η_C: the step of the geometric update, in log-clip units per unit of fraction error.</summary>
    public double LearningRate { get; }

    /// <summary>C·exp(−η_C (b̃ − γ)).</summary>
    public double NextClipNorm(double clipNorm, double unclippedFraction)
    {
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm)) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clip norm must be positive and finite");
        if (!double.IsFinite(unclippedFraction)) throw new ArgumentOutOfRangeException(nameof(unclippedFraction), unclippedFraction, "the unclipped fraction must be finite");
        return clipNorm * Math.Exp(-LearningRate * (unclippedFraction - TargetQuantile));
    }

    /// <summary>
    /// b̃ = ½ + (Σ(bᵢ − ½) + noise)/m from the noised sum of centred bits. m is the number of sites sampled for the
    /// round, fixed before any site answered (the paper's expected count), so dropouts pull b̃ toward ½ rather than
    /// making the denominator depend on who took part. b̃ may leave [0, 1] by the noise; the update copes.
    /// </summary>
    public static double UnclippedFraction(double noisyCentredIndicatorSum, int sampledSites)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampledSites);
        return 0.5 + noisyCentredIndicatorSum / sampledSites;
    }

    /// <summary>A site's centred bit: +½ when its norm was at most C (not clipped), −½ otherwise.</summary>
    public static float CentredIndicator(ClippingOutcome outcome) => outcome.WasClipped ? -0.5f : 0.5f;

    /// <summary>
    /// The update's share of a total noise multiplier z once the clipped count takes noise σ_b:
    /// σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (Andrew et al. 2021, Theorem 1). Releasing both then costs exactly what one
    /// Gaussian release with multiplier z would, so the accountant composes z.
    /// </summary>
    public static double UpdateNoiseMultiplier(double noiseMultiplier, double countNoiseMultiplier)
    {
        if (!(noiseMultiplier > 0) || !double.IsFinite(noiseMultiplier)) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier z must be positive and finite");
        if (!(2 * countNoiseMultiplier > noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(countNoiseMultiplier), countNoiseMultiplier,
                $"the count noise σ_b must exceed z/2 = {noiseMultiplier / 2:G4}, or the clipped count alone would spend the whole budget");
        double remaining = 1 / (noiseMultiplier * noiseMultiplier) - 1 / (4 * countNoiseMultiplier * countNoiseMultiplier);
        return 1 / Math.Sqrt(remaining);
    }
}
