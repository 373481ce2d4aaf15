using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Privacy;

/// <summary>
/// How a DP round's protected deltas travel through secure aggregation: every site weighs 1 (DP-FedAvg's uniform mean,
/// whose sensitivity is the clip C); the adaptive-clipping bit is one extra coordinate after the model's values, so the
/// aggregator learns only the sum of the bits; and the round's L2 clip and coordinate bound are sized from the DP clip
/// and noise shares, so that quantization never clips an honest site's clipped and noised values (which would change
/// the noise the accountant counts) and the sum never wraps.
/// </summary>
/// <remarks>
/// Distributed rounds: the site quantizes its clipped delta to the step B/L and adds its noise share there, in integers
/// (<see cref="DiscreteGaussianEncoder"/>); the range below leaves room for that noise's tail, and the accountant counts the
/// rounding in the sensitivity (<see cref="DistributedDiscreteGaussian"/>). Central rounds quantize the clipped delta alone
/// and the aggregator adds float noise after unmasking; the sub-step rounding (about 10⁻⁸ against noise of order C) is
/// not accounted there.
/// </remarks>
public static class SecureDpQuantization
{
    /// <summary>Every site's weight in a DP round: weighting by examples would let a large site exceed the sensitivity C.</summary>
    public const long SiteWeight = 1;

    /// <summary>Relative slack on the step for a logarithm that differs in its last bit between platforms.</summary>
    private const double StepTolerance = 1e-9;

    /// <summary>Extra coordinates the masked vector carries after the model's values: the centred bit with adaptive clipping.</summary>
    public static int ExtraCoordinates(DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        return instructions.ReportsUnclippedIndicator ? 1 : 0;
    }

    /// <summary>
    /// The largest coordinate an honest site sends: its clipped delta's coordinates are at most C, to which its noise share
    /// adds at most σ(√(2 ln 2d) + 8) over all d of them except with probability e⁻³² (the expected maximum of d
    /// Gaussians' magnitudes is below σ√(2 ln 2d), and the maximum concentrates around it, Borell-TIS); the centred bit is
    /// ½ plus at most 8 of its noise share's deviations. A discrete Gaussian site draws again the rare coordinate beyond it,
    /// so its input never exceeds it and the sum never wraps.
    /// </summary>
    public static double CoordinateBound(DpSiteInstructions instructions, int modelLength)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelLength);
        double maximumDeviations = Math.Sqrt(2 * Math.Log(2.0 * modelLength)) + DpUpdateCheck.NoiseTailDeviations;
        double delta = instructions.ClipNorm + instructions.UpdateNoiseStandardDeviation * maximumDeviations;
        return Math.Max(delta, IndicatorBound(instructions));
    }

    /// <summary>The largest L2 norm of an honest site's whole vector: its delta's (<see cref="DpUpdateCheck.NormBound"/>) plus its bit's.</summary>
    public static double NormBound(DpSiteInstructions instructions, int modelLength)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        return DpUpdateCheck.NormBound(instructions, modelLength) + IndicatorBound(instructions);
    }

    /// <summary>
    /// The round's secure-aggregation settings for a DP round: the configured ones, with the clip, coordinate bound and
    /// maximum weight of this round's DP (adaptive clipping moves C, so they are sized afresh every round).
    /// </summary>
    public static SecAggSettings For(SecAggSettings settings, DpSiteInstructions instructions, int modelLength)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with
        {
            ClipNorm = NormBound(instructions, modelLength),
            CoordinateBound = CoordinateBound(instructions, modelLength),
            MaxWeightPerSite = SiteWeight,
        };
    }

    /// <summary>
    /// Why a site must refuse a secure DP round whose configuration cannot carry its protected delta unchanged (quantization
    /// would clip its noise or the bit, or the vector has no room for the bit); null when it can.
    /// </summary>
    public static string? Problem(RoundConfiguration configuration, DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(instructions);
        int modelLength = configuration.VectorLength - ExtraCoordinates(instructions);
        if (modelLength < 1) return $"round {configuration.RoundId} aggregates {configuration.VectorLength} elements: no room for the model and its DP bit";
        double coordinateBound = CoordinateBound(instructions, modelLength), normBound = NormBound(instructions, modelLength);
        bool holds = configuration.CoordinateBound >= coordinateBound && configuration.ClipNorm >= normBound;
        if (!holds)
        {
            return FormattableString.Invariant(
                $"round {configuration.RoundId}'s secure aggregation (coordinate bound {configuration.CoordinateBound:G4}, clip norm {configuration.ClipNorm:G4}) ")
                + FormattableString.Invariant($"cannot hold the round's clipped and noised delta (needs {coordinateBound:G4} and {normBound:G4}): quantization would clip the DP noise");
        }
        return instructions.AddsNoise ? CoarseStepProblem(configuration, coordinateBound) : null;
    }

    /// <summary>
    /// Integer noise is accounted on the grid the round would have had: a coarser step (a wider range, or more weight per
    /// site) leaves the noise the same in real units but makes the rounding, and so the sensitivity, larger than accounted.
    /// </summary>
    private static string? CoarseStepProblem(RoundConfiguration configuration, double coordinateBound)
    {
        double step = RoundConfiguration.StepFor(coordinateBound, configuration.SiteIds.Count * SiteWeight);
        return configuration.QuantizationStep <= step * (1 + StepTolerance)
            ? null
            : FormattableString.Invariant($"round {configuration.RoundId}'s quantization step {configuration.QuantizationStep:G4} is coarser than the {step:G4} ")
                + "its DP noise is accounted with: the rounding would weigh more than the accountant counts";
    }

    private static double IndicatorBound(DpSiteInstructions instructions) =>
        instructions.ReportsUnclippedIndicator ? 0.5 + instructions.IndicatorNoiseStandardDeviation * DpUpdateCheck.NoiseTailDeviations : 0;
}
