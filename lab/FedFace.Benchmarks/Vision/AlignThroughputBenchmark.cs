using FedFace.DevelopmentData;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

public sealed record AlignThroughputRun(Comparison Parallel, Comparison SingleThread, int Workers, PythonAlignRun LastPythonRun, CropAgreement CropAgreement);

/// <summary>
/// Image files to network tensors: FedFace.Vision's FaceAlignmentPipeline against lab/python/align_reference.py on the
/// same images, one after the other in pairs (Python, then C#), once with one worker on each side and once with
/// <c>workers</c> workers on each side. OpenCV runs single-threaded on both sides (the caller sets that for C#), so
/// a worker is one core's worth of work either way. Each side times only its pass over the list: the Python
/// interpreter's start, its imports and its warm-up images are not counted, as the C# side is warmed up too.
/// </summary>
public static class AlignThroughputBenchmark
{
    private const int WarmUpImagesPerWorker = 16;

    public static AlignThroughputRun Run(IReadOnlyList<string> images, int workers, int pairs, PythonAlignReference python)
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("fedface-vision-bench-");
        try
        {
            string listFile = Path.Combine(work.FullName, "images.txt");
            File.WriteAllLines(listFile, images);
            string dumpFile = Path.Combine(work.FullName, "python-tensors.f32");
            Console.WriteLine($"Align: {images.Count} LFW images to tensors; peer = Python/OpenCV {python.Python}, subject = FaceAlignmentPipeline");

            CropAgreement? agreement = null;
            PythonAlignRun? lastPython = null;
            Comparison Measure(int sideWorkers)
            {
                var comparison = new Comparison($"align x{sideWorkers}", images.Count, 1, "images/s");
                using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), sideWorkers);
                AlignToTensors(pipeline, [.. images.Take(WarmUpImagesPerWorker * sideWorkers)], sideWorkers);
                for (int pair = 1; pair <= pairs; pair++)
                {
                    // The first single-worker Python run also writes its tensors (after its clock stops) for the crop check.
                    bool dump = agreement is null;
                    lastPython = python.Run(listFile, sideWorkers, dump ? dumpFile : null);
                    float[]?[] tensors = null!;
                    double seconds = Clock.Time(() => tensors = AlignToTensors(pipeline, images, sideWorkers));
                    comparison.Add(lastPython.Seconds, seconds, pair, pairs);
                    if (dump)
                    {
                        agreement = Compare(tensors, PythonAlignReference.ReadDump(dumpFile, images.Count));
                        File.Delete(dumpFile);
                        Console.WriteLine($"  crops: {agreement.ImagesCompared} compared, median mean |C# − Python| {agreement.MedianMeanAbsDifference:G3}, "
                            + $"max {agreement.MaxMeanAbsDifference:G3}; face only in C# {agreement.FaceOnlyInCSharp}, only in Python {agreement.FaceOnlyInPython}");
                    }
                }
                Console.WriteLine(comparison.Summary());
                return comparison;
            }

            Comparison single = Measure(1);
            Comparison parallel = Measure(workers);
            return new AlignThroughputRun(parallel, single, workers, lastPython!, agreement!);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>What a caller of the pipeline gets: a tensor per image with a face, null otherwise, converted on the same workers.</summary>
    private static float[]?[] AlignToTensors(FaceAlignmentPipeline pipeline, IReadOnlyList<string> images, int workers)
    {
        AlignedFaceBatch batch = pipeline.ProcessMany(images);
        var tensors = new float[]?[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            tensors[i] = batch.Results[i].Outcome == AlignmentOutcome.Aligned ? batch.Results[i].ToTensor() : null);
        return tensors;
    }

    private static CropAgreement Compare(float[]?[] csharp, float[]?[] python)
    {
        var differences = new List<double>();
        int onlyCSharp = 0, onlyPython = 0;
        for (int i = 0; i < csharp.Length; i++)
        {
            switch (csharp[i], python[i])
            {
                case (float[] c, float[] p):
                    double sum = 0;
                    for (int k = 0; k < c.Length; k++)
                    {
                        sum += Math.Abs(c[k] - p[k]);
                    }
                    differences.Add(sum / c.Length);
                    break;
                case (not null, null):
                    onlyCSharp++;
                    break;
                case (null, not null):
                    onlyPython++;
                    break;
            }
        }
        double[] sorted = [.. differences.Order()];
        double At(double quantile) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(quantile * sorted.Length))];
        return new CropAgreement(sorted.Length, onlyCSharp, onlyPython,
            Math.Round(At(0.5), 5), Math.Round(At(0.99), 5), Math.Round(sorted.LastOrDefault(), 5), sorted.Count(d => d > 0.05));
    }
}
