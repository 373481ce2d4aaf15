namespace FedFace.Evaluation;

/// <summary>
/// K-fold verification accuracy: per fold the accuracy on that fold with the threshold chosen on the others;
/// the mean and the (population) standard deviation over the folds, as arcface_torch reports them.
/// </summary>
public sealed record VerificationResult(
    double MeanAccuracy,
    double StdAccuracy,
    IReadOnlyList<double> FoldAccuracies,
    IReadOnlyList<double> Thresholds);
