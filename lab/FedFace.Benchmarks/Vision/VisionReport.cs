using FedFace.Evaluation;
using FedFace.Evaluation.Identification;

namespace FedFace.Benchmarks.Vision;

/// <summary>lab/results/vision.json, written with snake_case names.</summary>
public sealed record VisionReport(
    string Date,
    string Commit,
    bool Dirty,
    MachineInfo Machine,
    string Method,
    double DetectRate,
    double LfwAccuracy,
    double LfwAccuracyStd,
    double LfwAccuracyFlip,
    double LfwAccuracyFlipStd,
    double AlignImagesPerS,
    double PythonAlignImagesPerS,
    double AlignRatioVsPython,
    double AlignSingleThreadImagesPerS,
    double PythonAlignSingleThreadImagesPerS,
    double AlignSingleThreadRatioVsPython,
    double FrameMs,
    IReadOnlyDictionary<string, double> TarAtFar,
    IReadOnlyDictionary<string, double> SearchMs,
    double SearchRatioVsScalar,
    double Rank1Accuracy,
    double Rank5Accuracy,
    LfwDetails Lfw,
    AllLfwDetails AllLfw,
    SearchDetails Search,
    AlignDetails Align,
    FrameDetails Frame,
    VisionTargets Targets);

/// <param name="Images">distinct images of lfw-pairs.txt.</param>
/// <param name="PairsWithoutFace">pairs with an image in which no face was found; they score −1 ("different").</param>
public sealed record LfwDetails(
    string Detector,
    string Selection,
    string EmbeddingModel,
    string Normalization,
    string Protocol,
    int Images,
    int Aligned,
    int NoFace,
    int Rejected,
    int Unreadable,
    int Pairs,
    int PairsWithoutFace,
    int Workers,
    double AlignSeconds,
    double EmbedSeconds,
    double EmbedFlipSeconds,
    FoldFigures Plain,
    FoldFigures Flip,
    double TarAtFar1e3,
    double TarAtFar1e3Std,
    LfwVariant[] Variants);

/// <summary>One fixed recipe's 10-fold accuracy, to show what each choice of <see cref="FedFace.Recognition.PretrainedMobileFaceNet"/> is worth.</summary>
public sealed record LfwVariant(string Selection, string Normalization, bool Flip, double Mean, double Std);

public sealed record FoldFigures(double Mean, double Std, double[] FoldAccuracies, double[] Thresholds)
{
    public static FoldFigures From(VerificationResult result) => new(
        Math.Round(result.MeanAccuracy, 5), Math.Round(result.StdAccuracy, 5),
        [.. result.FoldAccuracies.Select(a => Math.Round(a, 4))], [.. result.Thresholds.Select(t => Math.Round(t, 5))]);
}

public sealed record AlignDetails(
    int Images,
    string ImageSelection,
    string CSharpSide,
    string PythonSide,
    string Fairness,
    int Workers,
    int Pairs,
    PythonEnvironment Python,
    double[] RatioPerPair,
    double[] SingleThreadRatioPerPair,
    CropAgreement CropAgreement);

public sealed record PythonEnvironment(string Executable, string Opencv, string Numpy, string Detector);

/// <summary>How closely the Python crops match the C# ones on the same images (tensor values in [−1, 1]).</summary>
public sealed record CropAgreement(
    int ImagesCompared,
    int FaceOnlyInCSharp,
    int FaceOnlyInPython,
    double MedianMeanAbsDifference,
    double P99MeanAbsDifference,
    double MaxMeanAbsDifference,
    int ImagesOverPoint05);

public sealed record FrameDetails(
    string Frame,
    int WarmUpRuns,
    int Runs,
    int Threads,
    double DetectMs,
    double AlignMs,
    double EmbedMs,
    double TotalMs,
    double TotalP90Ms,
    string Note);

public sealed record VisionTargets(double LfwAccuracy, double LfwAccuracyFlip, bool LfwAccuracyMet, bool LfwAccuracyFlipMet);

/// <summary>Every LFW image with the same recipe: the exact all-pairs TAR@FAR and 1:N identification.</summary>
public sealed record AllLfwDetails(
    int Images,
    int People,
    int Embedded,
    string Excluded,
    double AlignSeconds,
    double EmbedSeconds,
    double AllPairsSeconds,
    AllPairsResult AllPairs,
    IdentificationResult Identification,
    string IdentificationSplit);

public sealed record SearchDetails(string Method, string Peer, SearchBenchmarkResult Result);
