using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Privacy;

/// <summary>
/// The exact noise of a secure distributed-DP round, in quantization levels of step γ: each site scales its clipped delta
/// by 1/γ, rounds it to integers conditioned on its norm, and adds integer noise from N_ℤ(0, σ²/γ²) on every coordinate
/// (and from N_ℤ(0, σ_b²/γ²) on its adaptive-clipping bit); the masked sum then carries a sum of discrete Gaussians
/// (Kairouz, Liu, Steinke 2021). Sites build it from the round's configuration, the aggregator's accountant from the same
/// numbers, so both use one γ, one variance, one norm bound.
/// </summary>
/// <remarks>
/// Why the discrete Gaussian and not Skellam: its exact sampler (Canonne, Kamath, Steinke 2020) costs a few dozen integer
/// operations per draw whatever σ, while an exact Poisson sampler for the Skellam mechanism costs time growing with the
/// variance unless it approximates — and σ here is thousands to tens of millions of levels.
/// <para>
/// Sensitivity: the rounded vector's squared norm is held to ⌊Δ₂²⌋ with Δ₂² = min(c² + d/4 + √(2 ln(1/β))·(c + √d/2),
/// (c + √d)²), c = C/γ, β = e^(−½) (Kairouz et al. 2021, §4, conditional randomized rounding: each rounding meets it with
/// probability at least 1 − β, and a site rounds again until one does). The bit, ±½/γ rounded, is at most ⌈½/γ⌉.
/// </para>
/// </remarks>
public sealed class DistributedDiscreteGaussian
{
    /// <summary>√(2 ln(1/β)) with β = e^(−½).</summary>
    private const double RoundingTailFactor = 1;

    /// <summary>The largest model length a round can carry: the budget check before a round, which knows no layout, assumes it.</summary>
    public const int WorstCaseModelLength = int.MaxValue - 2;

    private readonly double _updateVariance;
    private readonly double _indicatorVariance;
    private readonly double _sensitivitySquared;
    private readonly double _indicatorSensitivity;

    private DistributedDiscreteGaussian(DpSiteInstructions instructions, int modelLength, double step, int levels)
    {
        ModelLength = modelLength;
        Step = step;
        Levels = levels;
        ClipLevels = instructions.ClipNorm / step;
        double updateVariance = Square(instructions.UpdateNoiseStandardDeviation / step);
        double indicatorVariance = instructions.ReportsUnclippedIndicator ? Square(instructions.IndicatorNoiseStandardDeviation / step) : 0;
        double c = ClipLevels, d = modelLength;
        _sensitivitySquared = Math.Min(c * c + d / 4 + RoundingTailFactor * (c + Math.Sqrt(d) / 2), Square(c + Math.Sqrt(d)));
        _indicatorSensitivity = instructions.ReportsUnclippedIndicator ? 0.5 / step + 1 : 0;
        UpdateVariance = IntegerVariance(updateVariance);
        IndicatorVariance = IntegerVariance(indicatorVariance);
        // What a site adds is at least this (its variance is ⌈·⌉ and at least 1, or 0: no noise at all).
        _updateVariance = UpdateVariance == 0 ? 0 : Math.Max(1, updateVariance);
        _indicatorVariance = IndicatorVariance == 0 ? 0 : Math.Max(1, indicatorVariance);
        NormSquaredBound = (ulong)Math.Floor(_sensitivitySquared);
    }

    /// <summary>The round as the aggregator sizes it (<see cref="SecureDpQuantization.For"/>) for <paramref name="sampledSites"/> sites.</summary>
    public static DistributedDiscreteGaussian For(DpSiteInstructions instructions, int modelLength, int sampledSites)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampledSites);
        long maxTotalWeight = sampledSites * SecureDpQuantization.SiteWeight;
        double bound = SecureDpQuantization.CoordinateBound(instructions, modelLength);
        return new DistributedDiscreteGaussian(instructions, modelLength, RoundConfiguration.StepFor(bound, maxTotalWeight),
            RoundConfiguration.LevelsFor(maxTotalWeight));
    }

    /// <summary>The round as a site receives it.</summary>
    public static DistributedDiscreteGaussian For(RoundConfiguration configuration, DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(instructions);
        int modelLength = configuration.VectorLength - SecureDpQuantization.ExtraCoordinates(instructions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelLength);
        return new DistributedDiscreteGaussian(instructions, modelLength, configuration.QuantizationStep, configuration.QuantizationLevels);
    }

    /// <summary>d: the model's coordinates (the bit, if any, follows them).</summary>
    public int ModelLength { get; }

    /// <summary>γ: the value of one level.</summary>
    public double Step { get; }

    /// <summary>L: no coordinate a site sends may exceed it, so the sum of the sampled sites' never wraps.</summary>
    public int Levels { get; }

    /// <summary>c = C/γ: the clip in levels.</summary>
    public double ClipLevels { get; }

    /// <summary>⌈σ²/γ²⌉: each update coordinate's discrete Gaussian variance parameter (rounded up: at least the planned noise).</summary>
    public ulong UpdateVariance { get; }

    /// <summary>⌈σ_b²/γ²⌉ for the bit; 0 without adaptive clipping.</summary>
    public ulong IndicatorVariance { get; }

    /// <summary>⌊Δ₂²⌋: the most a site's rounded update may weigh, in squared levels.</summary>
    public ulong NormSquaredBound { get; }

    /// <summary>
    /// The noise multiplier whose Gaussian RDP, α/(2z²), equals this mechanism's for a site protected by the noise of
    /// <paramref name="others"/> other sites: 1/ε with ε² the sum of the update's and the bit's (zCDP adds up over the two).
    /// Computed from the real-valued σ²/γ², Δ₂² and ½/γ + 1, which bound the integer ones a site uses from the safe side, so
    /// the figure only shrinks as the model grows (the budget check uses <see cref="WorstCaseModelLength"/>). 0 (no
    /// protection) when the update or the bit gets no noise.
    /// </summary>
    public double NoiseMultiplier(int others)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(others);
        if (_updateVariance == 0 || (_indicatorSensitivity > 0 && _indicatorVariance == 0)) return 0; // a part goes out unnoised
        double epsilonSquared = DiscreteGaussianSumPrivacy.EpsilonSquared(_sensitivitySquared, _updateVariance, ModelLength, others);
        if (_indicatorSensitivity > 0)
            epsilonSquared += DiscreteGaussianSumPrivacy.EpsilonSquared(Square(_indicatorSensitivity), _indicatorVariance, 1, others);
        return 1 / Math.Sqrt(epsilonSquared);
    }

    private static ulong IntegerVariance(double variance)
    {
        if (variance == 0) return 0;
        double rounded = Math.Max(1, Math.Ceiling(variance));
        if (!(rounded <= DiscreteGaussianSampler.MaximumVariance))
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "the noise in quantization levels exceeds what the exact sampler supports");
        return (ulong)rounded;
    }

    private static double Square(double x) => x * x;
}
