using System.Text.Json.Serialization;
using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation;

/// <summary>
/// The one rule for which false accept rates a sample of impostors can support: a target FAR needs at least ⌈1/FAR⌉
/// impostors. Only then does <see cref="FarThreshold"/> allow a false accept (⌊FAR·n⌋ ≥ 1), so the threshold is set
/// among the impostor scores at the target; with fewer it is the highest impostor score whatever the target, and the
/// FAR it achieves is only known to be below about 1/n (1,805 impostors cannot tell FAR 1e-4 from 1e-6).
/// </summary>
public static class FarSupport
{
    /// <summary>⌈1/<paramref name="targetFar"/>⌉, in decimal so that 1e-3 needs exactly 1,000.</summary>
    public static long MinImpostors(double targetFar)
    {
        FarThreshold.CheckTargetFar(targetFar);
        return (long)decimal.Ceiling(1m / (decimal)targetFar);
    }

    public static bool IsSupported(double targetFar, long impostors) => impostors >= MinImpostors(targetFar);

    /// <summary>Null when supported; otherwise "needs ≥ 10,000 impostor pairs, has 1,805" (<paramref name="impostorsAre"/> names them).</summary>
    public static string? Unsupported(double targetFar, long impostors, string impostorsAre = "impostor pairs") =>
        IsSupported(targetFar, impostors) ? null : $"needs ≥ {MinImpostors(targetFar):N0} {impostorsAre}, has {impostors:N0}";
}

/// <summary>Count of Of trials: the rate and its binomial standard error √(p(1 − p)/n).</summary>
public sealed record Proportion(long Count, long Of)
{
    public double Rate => Of == 0 ? double.NaN : (double)Count / Of;
    public double StandardError => Of == 0 ? double.NaN : Math.Sqrt(Rate * (1 - Rate) / Of);
}

/// <summary>
/// A rate (TAR, DIR) at a target FAR as reported: with the impostors it was measured on, and where they support the
/// FAR (<see cref="FarSupport"/>) the rate, its counts, standard error, threshold and false accepts; where they do
/// not, no rate but <see cref="NotSupported"/> saying what it would need. Rate stays in JSON as null, not left out.
/// </summary>
public sealed record RateAtFar(
    double TargetFar,
    long Impostors,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Rate,
    double? StandardError,
    long? Count,
    long Of,
    double? Threshold,
    long? FalseAccepts,
    string? NotSupported)
{
    public static RateAtFar Measured(double targetFar, long impostors, Proportion rate, double threshold, long falseAccepts, string impostorsAre = "impostor pairs")
    {
        ArgumentNullException.ThrowIfNull(rate);
        string? unsupported = FarSupport.Unsupported(targetFar, impostors, impostorsAre);
        return unsupported is null
            ? new(targetFar, impostors, rate.Rate, rate.StandardError, rate.Count, rate.Of, threshold, falseAccepts, null)
            : new(targetFar, impostors, null, null, null, rate.Of, null, null, unsupported);
    }

    /// <summary>Each all-pairs point with the impostor and genuine pair counts it was measured on.</summary>
    public static IReadOnlyList<RateAtFar> FromAllPairs(AllPairsResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. result.Points.Select(p => Measured(p.TargetFar, result.ImpostorPairs, new Proportion(p.TrueAccepts, result.GenuinePairs), p.Threshold, p.FalseAccepts))];
    }

    /// <summary>Each open-set point, its FAR measured on the strangers (non-mated probes).</summary>
    public static IReadOnlyList<RateAtFar> FromOpenSet(IdentificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. result.DirAtFar.Select(d => Measured(d.TargetFar, result.NonMatedProbes, new Proportion(d.Detections, result.MatedProbes), d.Threshold, d.FalseAlarms, "strangers"))];
    }
}

/// <summary>
/// TAR at a target FAR over k folds as reported (<see cref="VerificationEvaluator.KFoldTarAtFar"/>): each fold's
/// threshold comes from that fold's own impostors, so the FAR is supported only when the fold with the fewest has
/// enough; then the mean and population standard deviation of the folds' TARs, otherwise none and why.
/// </summary>
public sealed record KFoldRateAtFar(
    double TargetFar,
    int Folds,
    long FewestImpostorsInAFold,
    long GenuinePairs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? MeanTar,
    double? StdTar,
    string? NotSupported)
{
    public static KFoldRateAtFar From(TarAtFarResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        long fewest = result.FoldImpostorPairs.Min();
        string? unsupported = FarSupport.Unsupported(result.TargetFar, fewest, "impostor pairs per fold");
        return new(result.TargetFar, result.FoldTars.Count, fewest, result.FoldGenuinePairs.Sum(),
            unsupported is null ? result.MeanTar : null, unsupported is null ? result.StdTar : null, unsupported);
    }
}
