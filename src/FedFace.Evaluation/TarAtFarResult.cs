namespace FedFace.Evaluation;

/// <summary>
/// TAR at a target FAR over k folds (see <see cref="VerificationEvaluator.KFoldTarAtFar"/>): per fold the TAR,
/// the threshold taken from that fold's impostors and the FAR it actually achieved (≤ the target); the mean and
/// population standard deviation of the TARs; and each fold's genuine and impostor pair counts, which say what FAR
/// the fold can support (<see cref="KFoldRateAtFar"/>).
/// </summary>
public sealed record TarAtFarResult(
    double TargetFar,
    double MeanTar,
    double StdTar,
    IReadOnlyList<double> FoldTars,
    IReadOnlyList<double> FoldThresholds,
    IReadOnlyList<double> FoldFars,
    IReadOnlyList<int> FoldGenuinePairs,
    IReadOnlyList<int> FoldImpostorPairs);
