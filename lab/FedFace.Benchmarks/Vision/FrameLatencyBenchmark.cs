using System.Diagnostics;
using FedFace.DevelopmentData;
using FedFace.Inference;
using FedFace.Recognition;
using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// One camera frame to one embedding on one thread: a real LFW photo placed on a 640x480 grey canvas, then YuNet
/// detection over the whole frame, the face chosen as <see cref="PretrainedMobileFaceNet.Recipe"/> says, aligned to its
/// template and made a tensor, and MobileFaceNet (ONNX Runtime, one intra-op thread, the recipe's normalisation)
/// embedding it. Medians over the measured runs, after warm-up.
/// </summary>
public static class FrameLatencyBenchmark
{
    private const int FrameWidth = 640, FrameHeight = 480;
    private const string Person = "Aaron_Peirsol";

    public static FrameDetails Run(int warmUpRuns, int runs)
    {
        string photo = SharedData.LfwImage(Person, 1);
        using Mat face = Cv2.ImRead(photo, ImreadModes.Color);
        using var frame = new Mat(FrameHeight, FrameWidth, MatType.CV_8UC3, Scalar.All(128));
        var at = new Rect(FrameWidth / 2 - face.Width / 2, FrameHeight / 2 - face.Height / 2, face.Width, face.Height);
        using (var region = new Mat(frame, at))
        {
            face.CopyTo(region);
        }
        EmbeddingRecipe recipe = PretrainedMobileFaceNet.Recipe(SharedData.MobileFaceNetOnnx, SharedData.YuNetModel, threads: 1);
        using IFaceDetector detector = FaceDetectorFactory.Create(recipe.Detector);
        using var embedder = new OnnxFaceEmbedder(recipe.ModelPath, recipe.EmbedderOptions);
        var tensor = new float[FaceTensor.Length];

        (double Detect, double Align, double Embed) Once()
        {
            long start = Stopwatch.GetTimestamp();
            FaceSelection chosen = FaceSelector.Select(detector.Detect(frame), FrameWidth, FrameHeight, recipe.Alignment.Policy, recipe.Alignment.MinFaceSidePixels)
                ?? throw new InvalidOperationException($"no face found in the 640x480 frame made from {photo}");
            long detected = Stopwatch.GetTimestamp();
            using (Mat aligned = FaceAligner.Align(frame, chosen.Face.Landmarks, recipe.Alignment.Template))
            {
                FaceTensor.WriteNormalizedRgbChw(aligned, tensor);
            }
            long alignedAt = Stopwatch.GetTimestamp();
            embedder.Embed(tensor);
            long embedded = Stopwatch.GetTimestamp();
            return (Milliseconds(start, detected), Milliseconds(detected, alignedAt), Milliseconds(alignedAt, embedded));
        }

        for (int i = 0; i < warmUpRuns; i++)
        {
            Once();
        }
        var samples = new (double Detect, double Align, double Embed)[runs];
        for (int i = 0; i < runs; i++)
        {
            samples[i] = Once();
        }
        double[] totals = [.. samples.Select(s => s.Detect + s.Align + s.Embed).Order()];
        var details = new FrameDetails(
            Frame: $"{Person}_0001.jpg (250x250) centred on a {FrameWidth}x{FrameHeight} grey canvas",
            WarmUpRuns: warmUpRuns, Runs: runs, Threads: 1,
            DetectMs: Round(Comparison.Median(samples.Select(s => s.Detect))),
            AlignMs: Round(Comparison.Median(samples.Select(s => s.Align))),
            EmbedMs: Round(Comparison.Median(samples.Select(s => s.Embed))),
            TotalMs: Round(Comparison.Median(totals)),
            TotalP90Ms: Round(totals[(int)Math.Min(totals.Length - 1, Math.Floor(0.9 * totals.Length))]),
            Note: "each stage's figure is its own median, so they need not add up to the median total; align includes making the tensor");
        Console.WriteLine($"Frame {FrameWidth}x{FrameHeight}, one thread: median {details.TotalMs} ms (detect {details.DetectMs}, align {details.AlignMs}, "
            + $"embed {details.EmbedMs}; p90 {details.TotalP90Ms}) over {runs} runs");
        return details;
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static double Round(double milliseconds) => Math.Round(milliseconds, 2);
}
