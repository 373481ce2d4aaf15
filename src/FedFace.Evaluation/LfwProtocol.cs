namespace FedFace.Evaluation;

/// <summary>The LFW pairs protocol's figures for one set of scores.</summary>
public sealed record LfwProtocolResult(VerificationResult Accuracy, TarAtFarResult TarAtFar, IReadOnlyList<RocPoint> Roc);

/// <summary>
/// Everything the LFW View 2 protocol reports from per-pair scores: 10-fold accuracy (threshold chosen on nine
/// folds, scored on the tenth), TAR at a target FAR (per fold, threshold from that fold's impostors), and the ROC
/// over all pairs, which <see cref="WriteRoc"/> saves as CSV and PNG.
/// </summary>
public static class LfwProtocol
{
    public const double StandardTargetFar = 1e-3;

    public static LfwProtocolResult Evaluate(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson, IReadOnlyList<int> folds, double targetFar = StandardTargetFar) =>
        new(VerificationEvaluator.KFoldAccuracy(scores, samePerson, folds),
            VerificationEvaluator.KFoldTarAtFar(scores, samePerson, folds, targetFar),
            RocCurve.Compute(scores, samePerson));

    /// <summary>
    /// Writes <c>{name}-roc.csv</c> and <c>{name}-roc.png</c> into <paramref name="directory"/>, the plot titled and
    /// labelled with <paramref name="dataSet"/>, the name of the data the pairs come from; returns both paths.
    /// </summary>
    public static (string CsvPath, string PngPath) WriteRoc(LfwProtocolResult result, string directory, string name, string dataSet)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataSet);
        string csv = Path.Combine(directory, $"{name}-roc.csv");
        string png = Path.Combine(directory, $"{name}-roc.png");
        RocCurve.WriteCsv(csv, result.Roc);
        string accuracy = $"{100 * result.Accuracy.MeanAccuracy:F2}%";
        RocCurve.WritePng(png, [($"{dataSet.ToUpperInvariant()} ACC {accuracy}", result.Roc)], title: $"{dataSet.ToUpperInvariant()} ROC");
        return (csv, png);
    }
}
