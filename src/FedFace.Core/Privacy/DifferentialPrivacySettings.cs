namespace FedFace.Core.Privacy;

/// <summary>
/// Client-level DP-FedAvg for the federation, bound from configuration (for example the section
/// "Aggregator:DifferentialPrivacy") and checked at start-up with <see cref="Problems"/>.
/// </summary>
public sealed class DifferentialPrivacySettings
{
    /// <summary>Client-level differential privacy: Off, Central (the aggregator adds the noise) or Distributed (each site adds its share).</summary>
    public DifferentialPrivacyMode Mode { get; set; } = DifferentialPrivacyMode.Off;

    /// <summary>
    /// z: noise standard deviation on the sum over the clip norm, for the whole release (update and, with adaptive
    /// clipping, the clipped count). This is what the accountant composes.
    /// </summary>
    public double NoiseMultiplier { get; set; } = 1.0;

    /// <summary>C: the L2 bound of a site's delta (all shared tensors as one vector); the starting value when adaptive.</summary>
    public double ClipNorm { get; set; } = 1.0;

    /// <summary>Adaptive clipping; null keeps <see cref="ClipNorm"/> fixed.</summary>
    public AdaptiveClippingSettings? Adaptive { get; set; }

    /// <summary>Training stops before a round that would take ε past this.</summary>
    public double EpsilonBudget { get; set; } = 10.0;

    /// <summary>δ of the (ε, δ) guarantee; well below 1/(number of sites).</summary>
    public double Delta { get; set; } = 1e-5;

    /// <summary>
    /// Account with amplification by sampling (q = sampled / eligible sites). Sound only if the sample is secret and
    /// random to whoever sees the released models: the aggregator samples with a CSPRNG, but it sends the sampled list to
    /// every sampled site and could pick the sample itself, so this states a trust assumption (an honest aggregator, and
    /// no sampled site sharing the list). False: every round is accounted at q = 1 (see docs/privacy-accounting.md).
    /// </summary>
    public bool AssumeSecretSampling { get; set; }

    public bool Enabled => Mode != DifferentialPrivacyMode.Off;

    /// <summary>σ_Δ, the update's noise multiplier: z itself, or what is left of it after the clipped count's share.</summary>
    public double UpdateNoiseMultiplier =>
        Adaptive is null ? NoiseMultiplier : AdaptiveClipping.UpdateNoiseMultiplier(NoiseMultiplier, Adaptive.CountNoiseMultiplier);

    public PrivacyBudget Budget() => new(EpsilonBudget, Delta);

    /// <summary>Every problem with the settings as sentences naming the setting under <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (!Enum.IsDefined(Mode))
        {
            yield return $"{prefix}:Mode must be one of {string.Join(", ", Enum.GetNames<DifferentialPrivacyMode>())}, got '{Mode}'";
            yield break;
        }
        if (!Enabled) yield break;
        if (!IsPositive(NoiseMultiplier)) yield return $"{prefix}:NoiseMultiplier must be positive and finite, got {NoiseMultiplier}";
        if (!IsPositive(ClipNorm)) yield return $"{prefix}:ClipNorm must be positive and finite, got {ClipNorm}";
        if (!IsPositive(EpsilonBudget)) yield return $"{prefix}:EpsilonBudget must be positive and finite, got {EpsilonBudget}";
        if (!(Delta is > 0 and < 1)) yield return $"{prefix}:Delta must be in (0, 1), got {Delta}";
        if (Adaptive is null) yield break;
        if (!(Adaptive.TargetQuantile is > 0 and < 1)) yield return $"{prefix}:Adaptive:TargetQuantile must be in (0, 1), got {Adaptive.TargetQuantile}";
        if (!IsPositive(Adaptive.LearningRate)) yield return $"{prefix}:Adaptive:LearningRate must be positive and finite, got {Adaptive.LearningRate}";
        if ((IsPositive(NoiseMultiplier) && !(2 * Adaptive.CountNoiseMultiplier > NoiseMultiplier)) || !double.IsFinite(Adaptive.CountNoiseMultiplier))
            yield return $"{prefix}:Adaptive:CountNoiseMultiplier must be finite and exceed NoiseMultiplier/2 = {NoiseMultiplier / 2:G4}, got {Adaptive.CountNoiseMultiplier}: "
                + "the update keeps noise multiplier (z⁻² − (2σ_b)⁻²)^(−1/2), which needs 2σ_b > z";
    }

    private static bool IsPositive(double value) => value > 0 && double.IsFinite(value);
}
