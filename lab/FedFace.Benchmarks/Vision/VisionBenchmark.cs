using FedFace.DevelopmentData;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;
using OpenCvSharp;

namespace FedFace.Benchmarks.Vision;

public sealed record VisionBenchmarkOptions
{
    /// <summary>Workers for alignment and embedding, on both sides of the Python comparison.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Images (the first distinct ones of lfw-pairs.txt) in the C# vs Python throughput comparison.</summary>
    public int AlignImages { get; init; } = 1000;

    /// <summary>Python-then-C# pairs per parallel setting.</summary>
    public int AlignPairs { get; init; } = 5;

    public int FrameWarmUpRuns { get; init; } = 10;

    public int FrameRuns { get; init; } = 50;

    /// <summary>Probes timed per gallery size in the 1:N search benchmark.</summary>
    public int SearchProbes { get; init; } = 21;

    /// <summary>The interpreter with Debian's python3-opencv.</summary>
    public string Python { get; init; } = "/usr/bin/python3";

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Workers < 1) problems.Add($"workers must be at least 1, got {Workers}");
        if (AlignImages < 1) problems.Add($"align-images must be at least 1, got {AlignImages}");
        if (AlignPairs < 1) problems.Add($"align-pairs must be at least 1, got {AlignPairs}");
        if (FrameWarmUpRuns < 0) problems.Add($"frame-warm-up must be at least 0, got {FrameWarmUpRuns}");
        if (FrameRuns < 1) problems.Add($"frame-runs must be at least 1, got {FrameRuns}");
        return problems;
    }
}

/// <summary>
/// The vision figures: YuNet's detection rate and MobileFaceNet's LFW accuracy through the C# pipeline, alignment
/// throughput against a Python/OpenCV reference doing the same steps, and one frame's latency.
/// </summary>
public static class VisionBenchmark
{
    public const double AccuracyTarget = 0.99, FlipAccuracyTarget = 0.993;
    private static readonly int[] SearchSizes = [10_000, 100_000, 1_000_000];

    /// <summary>"1e-3" for 0.001: the keys the issue names.</summary>
    private static string FarKey(double far) => far.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture);

    public static VisionReport Run(VisionBenchmarkOptions options, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        // Fail on a missing Python before minutes of measuring, not after.
        PythonAlignReference python = PythonAlignReference.Locate(repositoryRoot, options.Python, SharedData.YuNetModel);
        MachineInfo machine = RunInfo.Machine();
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Dotnet}, load {machine.LoadAverageAtStart}");

        // One OpenCV thread per worker, as on the Python side: parallelism comes from the workers only.
        Cv2.SetNumThreads(1);

        LfwEvaluation lfwData = LfwEvaluation.Open(SharedData.LfwPairsFile, SharedData.LfwDirectory);
        LfwDetails lfw = LfwVerificationBenchmark.Run(lfwData, options.Workers);
        IReadOnlyList<string> images = [.. lfwData.PairImages.Take(options.AlignImages)];
        AlignThroughputRun align = AlignThroughputBenchmark.Run(images, options.Workers, options.AlignPairs, python);
        FrameDetails frame = FrameLatencyBenchmark.Run(options.FrameWarmUpRuns, options.FrameRuns);
        AllLfwDetails allLfw = AllLfwBenchmark.Run(lfwData, options.Workers);
        Console.WriteLine("1:N search, exact top-5 over random unit templates of 128 floats, against a scalar loop:");
        SearchBenchmarkResult search = SearchBenchmark.Run(SearchSizes, dimension: 128, repeats: options.SearchProbes, seed: 11, Console.Out);

        (string commit, bool dirty) = RunInfo.Commit(repositoryRoot);
        return new VisionReport(
            Date: DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            Commit: commit,
            Dirty: dirty,
            Machine: machine,
            Method: "detect_rate and the LFW accuracies come from every distinct image of lfw-pairs.txt through FaceAlignmentPipeline and "
                + "OnnxFaceEmbedder (see lfw.protocol; lfw.selection and lfw.normalization give the recipe and why, lfw.variants the other "
                + "combinations). align_* are images/s from image file to network tensor, each the median over "
                + "interleaved pairs (Python reference, then C#), ratios per pair then the median; align_images_per_s uses "
                + $"{options.Workers} workers per side, align_single_thread_* one. frame_ms is the median of one 640x480 frame through "
                + "detect + align + embed on one thread.",
            DetectRate: Math.Round((double)lfw.Aligned / lfw.Images, 5),
            LfwAccuracy: lfw.Plain.Mean,
            LfwAccuracyStd: lfw.Plain.Std,
            LfwAccuracyFlip: lfw.Flip.Mean,
            LfwAccuracyFlipStd: lfw.Flip.Std,
            AlignImagesPerS: Math.Round(align.Parallel.SubjectThroughput, 1),
            PythonAlignImagesPerS: Math.Round(align.Parallel.PeerThroughput, 1),
            AlignRatioVsPython: Math.Round(align.Parallel.Ratio, 3),
            AlignSingleThreadImagesPerS: Math.Round(align.SingleThread.SubjectThroughput, 1),
            PythonAlignSingleThreadImagesPerS: Math.Round(align.SingleThread.PeerThroughput, 1),
            AlignSingleThreadRatioVsPython: Math.Round(align.SingleThread.Ratio, 3),
            FrameMs: frame.TotalMs,
            TarAtFar: allLfw.AllPairs.Points.ToDictionary(p => FarKey(p.TargetFar), p => Math.Round(p.Tar, 5)),
            SearchMs: search.Rows.ToDictionary(r => r.TemplateCount.ToString(System.Globalization.CultureInfo.InvariantCulture), r => Math.Round(r.FastMedianMs, 3)),
            SearchRatioVsScalar: Math.Round(search.ScalarOverFastAtLargest, 2),
            Rank1Accuracy: Math.Round(allLfw.Identification.Rank1Accuracy, 5),
            Rank5Accuracy: Math.Round(allLfw.Identification.Rank5Accuracy, 5),
            Lfw: lfw,
            AllLfw: allLfw,
            Search: new SearchDetails(
                "median ms per probe of ExactSearch.TopK (k = 5, rows split over the cores, 8 rows per SIMD pass, bounded heaps), one probe at a time; "
                    + "the smaller galleries are prefixes of the 1,000,000-template one",
                "ReferenceSearch.TopK: a plain scalar loop over every row, then a sort; search_ratio_vs_scalar = its median / ExactSearch's at 1,000,000",
                search),
            Align: new AlignDetails(
                Images: images.Count,
                ImageSelection: "the first distinct images of lfw-pairs.txt in file order",
                CSharpSide: "FaceAlignmentPipeline.ProcessMany (read, header check, decode, YuNet, largest face, similarity warp, quality "
                    + "measures, no gate) then AlignmentResult.ToTensor on the same workers; OpenCvSharp " + typeof(Cv2).Assembly.GetName().Version,
                PythonSide: "lab/python/align_reference.py: cv2.imread, YuNet, largest face, the same least-squares similarity, "
                    + "cv2.warpAffine, BGR→RGB, (x − 127.5) / 127.5 CHW; multiprocessing workers",
                Fairness: "the same image list in the same run; the same number of workers per side, each single-threaded "
                    + "(cv2.setNumThreads(1) / Cv2.SetNumThreads(1)); warm-up and start-up excluded on both sides",
                Workers: options.Workers,
                Pairs: options.AlignPairs,
                Python: new PythonEnvironment(python.Python, align.LastPythonRun.Opencv, align.LastPythonRun.Numpy, align.LastPythonRun.Detector),
                RatioPerPair: [.. align.Parallel.Ratios.Select(r => Math.Round(r, 3))],
                SingleThreadRatioPerPair: [.. align.SingleThread.Ratios.Select(r => Math.Round(r, 3))],
                CropAgreement: align.CropAgreement),
            Frame: frame,
            Targets: new VisionTargets(AccuracyTarget, FlipAccuracyTarget, lfw.Plain.Mean >= AccuracyTarget, lfw.Flip.Mean >= FlipAccuracyTarget));
    }
}
