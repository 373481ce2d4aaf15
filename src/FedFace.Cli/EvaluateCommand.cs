using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FedFace.Core.Storage;
using FedFace.Evaluation;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;
using FedFace.Vision;
using static FedFace.Cli.SummaryTable;

namespace FedFace.Cli;

/// <summary>
/// <c>fedface evaluate --model M</c>: a face-embedding model on LFW — the View 2 10-fold protocol (accuracy, TAR@FAR,
/// ROC as CSV and PNG), and on request the exact all-pairs TAR@FAR and 1:N identification over every LFW image —
/// written as a JSON report too.
/// </summary>
public sealed class EvaluateCommand : ICliCommand
{
    private const string DefaultOutDirectory = "runs/evaluate";
    private static readonly double[] s_identificationFars = [1e-1, 1e-2, 1e-3];
    // 1e-2 beside the protocol's 1e-3: LFW's 300 impostor pairs per fold support 1e-2, not 1e-3 (FarSupport).
    private static readonly double[] s_verificationFars = [1e-2, LfwProtocol.StandardTargetFar];

    private readonly Option<string> _pairs = new("--pairs") { Description = "LFW View 2 pairs, e.g. ../shared/data/lfw-pairs.txt.", HelpName = "FILE", Required = true };
    private readonly Option<string> _lfw = new("--lfw")
    {
        Description = "The images --pairs names, a folder per person, e.g. ../shared/data/lfw-deepfunneled.",
        HelpName = "DIR",
        Required = true,
    };
    private readonly Option<string?> _title = new("--title")
    {
        Description = "The data set's name on the ROC plot and in the report. [default: the --lfw folder's name]",
        HelpName = "NAME",
    };
    private readonly Option<string> _out = new("--out")
    {
        Description = "Where lfw-roc.csv, lfw-roc.png and evaluation.json go.",
        HelpName = "DIR",
        DefaultValueFactory = _ => DefaultOutDirectory,
    };
    private readonly Option<bool> _allPairs = new("--all-pairs")
    {
        Description = "Also every pair of every image under --lfw (LFW: 13,233 images, 87.5 million pairs): exact TAR at FAR "
            + $"{string.Join(", ", AllPairsVerification.StandardFars.Select(Far))}.",
    };
    private readonly Option<bool> _identification = new("--identification")
    {
        Description = "Also 1:N identification over every image under --lfw: each person with two or more images enrols their first and is "
            + "searched with the rest (closed-set rank-1, rank-5); people with one image are strangers (open-set DIR at FAR "
            + $"{string.Join(", ", s_identificationFars.Select(Far))}).",
    };
    private readonly EmbeddingOptions _embedding = new(FaceSelectionPolicy.MostCentral, qualityGate: false);

    public EvaluateCommand()
    {
        Command = new Command("evaluate", $"""
            Scores a face-embedding model on LFW: the View 2 10-fold protocol (accuracy, TAR@FAR, ROC as CSV and PNG), and on
            request the exact all-pairs TAR@FAR and 1:N identification over every LFW image, written as a JSON report too.

            Every image is scored: no quality gate, faces of any size (default policy central: an LFW image is centred on its
            person). 10-fold accuracy: per fold the threshold that is best on the other nine; mean ± population std.
            TAR@FAR {string.Join(", ", s_verificationFars.Select(Far))}: per fold, threshold from that fold's own impostor pairs. A rate is given only
            where the impostors (per fold, pairs, strangers) number at least 1/FAR, else n/a with what it would need; rates
            carry their counts and ± standard error (folds: ± std over the folds). A pair with a faceless image
            scores {LfwEvaluation.NoFaceScore} ("different"); all-pairs and identification use the images with a face. Align and embed all of LFW take
            a few minutes on two cores: --cache makes a second run skip detection.

            Exit codes: 0 when evaluated, 1 on an error, 2 on bad arguments.
            """)
        { _pairs, _lfw, _title, _out, _allPairs, _identification };
        _embedding.AddTo(Command);
    }

    public Command Command { get; }
    public string Summary => "Score a face-embedding model on LFW: 10-fold accuracy, TAR@FAR, ROC; all-pairs and 1:N identification.";

    public int Run(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        long start = Stopwatch.GetTimestamp();
        EmbeddingRecipe recipe = _embedding.Read(parsed);
        string outDirectory = parsed.GetRequiredValue(_out);
        string? titleOption = parsed.GetValue(_title);
        bool allPairs = parsed.GetValue(_allPairs), identification = parsed.GetValue(_identification);

        LfwEvaluation lfw = LfwEvaluation.Open(parsed.GetRequiredValue(_pairs), parsed.GetRequiredValue(_lfw));
        lfw.EnsurePairImagesExist();
        string dataSet = titleOption ?? Path.GetFileName(lfw.LfwDirectory.TrimEnd(Path.DirectorySeparatorChar));
        IReadOnlyList<LabelledImage> everyImage = allPairs || identification ? lfw.EveryImage() : [];
        string[] paths = [.. lfw.PairImages.Concat(everyImage.Select(i => i.Path)).Distinct()];

        // The ROC and the report are written only once every image is embedded: a folder that takes no file is found out now.
        AtomicFile.EnsureWritable(Path.Combine(outDirectory, "evaluation.json"));
        using FaceEmbedding embedding = FaceEmbedding.Open(recipe);
        var progress = new ProgressBar(error, paths.Length, "images", inPlace: !Console.IsErrorRedirected);
        EmbeddedPhotos photos = embedding.EmbedFiles(paths, progress);
        progress.Finish();
        foreach (PhotoEmbedding skipped in photos.Photos.Where(p => p.Embedding is null))
        {
            error.WriteLine($"skipped {skipped.Path}: {skipped.Reason}");
        }

        RecipeReport recipeReport = new(embedding.ModelPath, embedding.ModelSha256, embedding.Normalization.Name, embedding.Flip,
            EmbeddingRecipe.PolicyName(embedding.Policy), recipe.Detector.YuNetModelPath, QualityGate: false);
        ImagesReport imagesReport = new(paths.Length, photos.EmbeddedCount, photos.SkippedByCategory.ToDictionary(s => s.Category, s => s.Count),
            photos.CacheHits, Math.Round(photos.Seconds, 1), Math.Round(paths.Length / Math.Max(photos.Seconds, 1e-9), 1));
        output.WriteLine($"{Path.GetFileName(embedding.ModelPath)} ({recipeReport.Normalization}{(recipeReport.Flip ? ", flip" : "")}, {recipeReport.Policy} face, no quality gate): "
            + $"{Count(paths.Length)} images, {Count(photos.EmbeddedCount)} with a face, aligned and embedded in {photos.Seconds:F1} s ({imagesReport.ImagesPerSecond:F1} images/s, {Count(photos.CacheHits)} from the cache)");

        VerificationReport verification = Verify(lfw, photos, outDirectory, dataSet);
        output.Write(Format($"{dataSet} {verification.Accuracy.FoldAccuracies.Count}-fold verification: {Count(verification.Pairs)} pairs ({Count(verification.PairsWithoutFace)} with a faceless image)",
        [
            ("accuracy", $"{Percent(verification.Accuracy.MeanAccuracy)} ± {Percent(verification.Accuracy.StdAccuracy)} (± std over the folds; n = {Count(verification.Pairs)} pairs)"),
            .. verification.TarAtFar.Select(t => ($"TAR @ FAR {Far(t.TargetFar)}", t.MeanTar is { } mean
                ? $"{Percent(mean)} ± {Percent(t.StdTar!.Value)} (± std over the folds; {t.GenuinePairs:N0} genuine pairs, ≥ {t.FewestImpostorsInAFold:N0} impostor pairs per fold)"
                : NotAvailable(t.NotSupported!))),
        ]));
        output.WriteLine($"  ROC: {verification.RocCsv}, {verification.RocPng}");

        LabelledEmbeddings withFace = LabelledEmbeddings.Of(everyImage, photos);
        AllPairsReport? allPairsReport = allPairs ? AllPairs(withFace, output) : null;
        IdentificationReport? identificationReport = identification ? Identification(withFace, output) : null;

        double totalSeconds = Math.Round(Stopwatch.GetElapsedTime(start).TotalSeconds, 1);
        string reportPath = Path.GetFullPath(Path.Combine(outDirectory, "evaluation.json"));
        CliJson.WriteFile(reportPath, new EvaluationReport(DateTimeOffset.UtcNow, recipeReport, imagesReport, verification, allPairsReport, identificationReport, totalSeconds));
        output.WriteLine($"report: {reportPath}");
        output.WriteLine($"total {totalSeconds:F1} s");
        return CommandDispatcher.Success;
    }

    /// <summary>Every pair of the images with a face: the exact TAR at each standard FAR the impostor pairs support.</summary>
    private static AllPairsReport AllPairs(LabelledEmbeddings images, TextWriter output)
    {
        long start = Stopwatch.GetTimestamp();
        AllPairsResult result = images.AllPairs(AllPairsVerification.StandardFars);
        var report = new AllPairsReport(result.EmbeddingCount, result.GenuinePairs, result.ImpostorPairs, RateAtFar.FromAllPairs(result), Math.Round(Stopwatch.GetElapsedTime(start).TotalSeconds, 1));
        output.Write(Grid($"All pairs: {Count(result.EmbeddingCount)} images, {result.GenuinePairs:N0} genuine and {result.ImpostorPairs:N0} impostor pairs ({report.Seconds:F1} s)",
            ["FAR", "TAR ± standard error", "true accepts", "threshold", "false accepts"],
            [.. report.Points.Select(p => RateRow(p, "genuine pairs"))]));
        return report;
    }

    /// <summary>1:N over the images with a face, split by <see cref="IdentificationSplit.FromLabels"/>.</summary>
    private static IdentificationReport Identification(LabelledEmbeddings images, TextWriter output)
    {
        long start = Stopwatch.GetTimestamp();
        IdentificationResult result = images.Identification(s_identificationFars);
        Proportion RankAccuracy(double accuracy) => new((long)Math.Round(accuracy * result.MatedProbes), result.MatedProbes);
        var report = new IdentificationReport(result.GallerySize, result.MatedProbes, result.NonMatedProbes, RankAccuracy(result.Rank1Accuracy),
            RankAccuracy(result.Rank5Accuracy), RateAtFar.FromOpenSet(result), Math.Round(Stopwatch.GetElapsedTime(start).TotalSeconds, 1));
        output.Write(Format($"Identification: gallery of {Count(result.GallerySize)} people, {Count(result.MatedProbes)} probes of enrolled people and {Count(result.NonMatedProbes)} of strangers ({report.Seconds:F1} s)",
            [("rank-1", WithCounts(report.Rank1, "probes")), ("rank-5", WithCounts(report.Rank5, "probes"))]));
        output.Write(Grid("  open set: a stranger whose best score reaches the threshold is a false alarm",
            ["FAR", "DIR ± standard error", "detections", "threshold", "false alarms"],
            [.. report.DirAtFar.Select(p => RateRow(p, "probes"))]));
        return report;
    }

    /// <summary>The LFW pairs protocol on the embeddings, its ROC written as CSV and PNG into <paramref name="outDirectory"/>.</summary>
    private static VerificationReport Verify(LfwEvaluation lfw, EmbeddedPhotos photos, string outDirectory, string dataSet)
    {
        LfwVerification verification = lfw.Verify(photos);
        Directory.CreateDirectory(outDirectory);
        (string csv, string png) = LfwProtocol.WriteRoc(verification.Result, outDirectory, "lfw", dataSet);
        return new VerificationReport(dataSet, lfw.PairsFile, verification.Pairs, verification.PairsWithoutFace, verification.Result.Accuracy,
            [.. s_verificationFars.Select(far => KFoldRateAtFar.From(lfw.KFoldTarAtFar(verification, far)))], Path.GetFullPath(csv), Path.GetFullPath(png));
    }

    /// <summary>One row of a rate-at-FAR table: the rate with its counts, or why the sample cannot support it.</summary>
    private static string[] RateRow(RateAtFar point, string trials) => point.Rate is { } rate
        ? [Far(point.TargetFar), $"{Percent(rate)} ± {Percent(point.StandardError!.Value)}", $"{point.Count:N0} of {point.Of:N0} {trials}",
            Threshold((float)point.Threshold!.Value), $"{point.FalseAccepts:N0} of {point.Impostors:N0}"]
        : [Far(point.TargetFar), NotAvailable(point.NotSupported!), "", "", ""];

    private static string WithCounts(Proportion proportion, string trials) =>
        $"{Percent(proportion.Rate)} ± {Percent(proportion.StandardError)} (± standard error; {proportion.Count:N0} of {proportion.Of:N0} {trials})";

    private static string NotAvailable(string reason) => $"n/a ({reason})";

    private static string Threshold(float threshold) => float.IsFinite(threshold) ? threshold.ToString("F4", CultureInfo.InvariantCulture) : threshold.ToString(CultureInfo.InvariantCulture);

    /// <summary>1e-3 as "1e-3".</summary>
    private static string Far(double far) => far.ToString("0e0", CultureInfo.InvariantCulture);

    private sealed record RecipeReport(string Model, string ModelSha256, string Normalization, bool Flip, string Policy, string DetectorModel, bool QualityGate);

    private sealed record ImagesReport(int Images, int WithFace, IReadOnlyDictionary<string, int> SkippedByReason, int CacheHits, double Seconds, double ImagesPerSecond);

    private sealed record VerificationReport(string DataSet, string PairsFile, int Pairs, int PairsWithoutFace, VerificationResult Accuracy,
        IReadOnlyList<KFoldRateAtFar> TarAtFar, string RocCsv, string RocPng);

    private sealed record AllPairsReport(int Images, long GenuinePairs, long ImpostorPairs, IReadOnlyList<RateAtFar> Points, double Seconds);

    private sealed record IdentificationReport(int GallerySize, int MatedProbes, int NonMatedProbes, Proportion Rank1, Proportion Rank5,
        IReadOnlyList<RateAtFar> DirAtFar, double Seconds);

    private sealed record EvaluationReport(DateTimeOffset Date, RecipeReport Recipe, ImagesReport Images, VerificationReport Lfw,
        AllPairsReport? AllPairs, IdentificationReport? Identification, double TotalSeconds);
}
