using System.Diagnostics;
using System.Text.Json;
using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Numerics;
using FedFace.Learning.Training;
using static TorchSharp.torch;

namespace FedFace.Simulator.Benchmarks;

/// <summary>What the training benchmark measures and how often.</summary>
public sealed record TrainingBenchmarkSettings
{
    public int BatchSize { get; init; } = 32;
    /// <summary>Intra-op threads for libtorch on both sides (torch.set_num_threads).</summary>
    public int Threads { get; init; } = 2;
    /// <summary>
    /// Untimed steps before each timed run, on both sides. A fresh Python process reaches its steady step time in two or
    /// three steps. Ours starts each pair on a heap that the ONNX parity's embedding passes trimmed (see NativeMemory),
    /// with JIT tiering still under way. The 20 were chosen when, after ten steps, its first pairs still ran at 0.7-0.9 of
    /// its later ones; that was before NativeMemory kept large blocks in the heap, which removed most of the gap.
    /// </summary>
    public int WarmupSteps { get; init; } = 20;
    public int MeasuredSteps { get; init; } = 15;
    /// <summary>C#-then-PyTorch pairs; the figures are medians over them.</summary>
    public int Pairs { get; init; } = 5;
    public int Classes { get; init; } = 100;
    /// <summary>The local round: a site of this many faces of <see cref="RoundPeople"/> people, one epoch.</summary>
    public int RoundImages { get; init; } = 500;
    public int RoundPeople { get; init; } = 50;
    public int CopyRepeats { get; init; } = 50;
    public string PythonPath { get; init; } = "/usr/bin/python3";
    /// <summary>lab/python/train_reference.py; found above the working or the program directory when null.</summary>
    public string? ReferenceScriptPath { get; init; }
}

/// <summary>One interleaved pair: our SiteModel step, then PyTorch's, on the same kind of data.</summary>
public sealed record TrainingThroughputPair(double CSharpImagesPerSecond, double PyTorchImagesPerSecond)
{
    public double Ratio => CSharpImagesPerSecond / PyTorchImagesPerSecond;
}

public sealed record TrainingBenchmarkFigures(
    string Data,
    string Method,
    int BatchSize,
    int Threads,
    int WarmupSteps,
    int MeasuredSteps,
    string GlibcTunables,
    string PyTorchVersion,
    IReadOnlyList<TrainingThroughputPair> Pairs,
    double CSharpImagesPerSecond,
    double PyTorchImagesPerSecond,
    double RatioCSharpToPyTorch,
    int RoundImages,
    int RoundSteps,
    double RoundSeconds,
    long BackboneValues,
    double ExportMilliseconds,
    double ImportMilliseconds,
    string LoadAverageAtStart);

/// <summary>
/// MobileFaceNet training throughput of our SiteModel step against the same network and step in PyTorch
/// (lab/python/train_reference.py), the time of one local round, and the backbone's copy-out and copy-in.
/// Both sides train on random images of the faces' shape and range with random labels: throughput does not depend on
/// the pixels, and neither side pays for reading or aligning photos. The PyTorch process inherits this process's
/// environment, so GLIBC_TUNABLES (glibc.malloc.hugetlb=1 from scripts/prerequisites.sh) applies to both equally;
/// the run refuses to compare if the two report different settings.
/// </summary>
public static class TrainingBenchmark
{
    private const string Data = "random tensors: images uniform in [-1, 1] (3x112x112, the range of normalised faces), labels uniform over the classes; generated in each process";

    public static TrainingBenchmarkFigures Run(TrainingBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        string loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        string script = settings.ReferenceScriptPath ?? FindReferenceScript();
        string tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "";
        set_num_threads(settings.Threads);

        int images = settings.BatchSize * settings.MeasuredSteps; // one epoch is exactly the measured steps
        FaceTrainingSet data = RandomFaces(images, settings.Classes, seed: 1);
        var pairs = new List<TrainingThroughputPair>();
        string pytorchVersion = "";
        for (int pair = 1; pair <= settings.Pairs; pair++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double ours = MeasureSiteModel(data, settings, cancellationToken);
            PyTorchRun reference = RunReference(script, settings);
            if (reference.GlibcTunables != tunables)
            {
                throw new InvalidOperationException(
                    $"GLIBC_TUNABLES differ: '{tunables}' here, '{reference.GlibcTunables}' in the PyTorch process; the comparison would not be fair");
            }
            pytorchVersion = reference.Torch;
            pairs.Add(new TrainingThroughputPair(ours, reference.ImagesPerSecond));
            progress.WriteLine($"pair {pair}/{settings.Pairs}: C# {ours:F2} images/s, PyTorch {reference.Torch} {reference.ImagesPerSecond:F2} images/s, ratio {ours / reference.ImagesPerSecond:F3}");
        }

        (int roundSteps, double roundSeconds) = MeasureLocalRound(settings, cancellationToken);
        progress.WriteLine($"local round: {settings.RoundImages} faces of {settings.RoundPeople} people, 1 epoch, {roundSteps} steps: {roundSeconds:F1} s");
        (long values, double exportMs, double importMs) = MeasureCopies(settings.CopyRepeats);
        progress.WriteLine($"backbone copy ({values:N0} floats): export {exportMs:F2} ms, import {importMs:F2} ms (medians of {settings.CopyRepeats})");

        return new TrainingBenchmarkFigures(
            Data,
            Method: $"{settings.Pairs} interleaved pairs (SiteModel.Train in this process, then a fresh {settings.PythonPath} process); each side runs "
                + $"{settings.WarmupSteps} untimed steps, then times {settings.MeasuredSteps} steps of batch {settings.BatchSize} with {settings.Threads} torch threads, "
                + $"both in the {ConvolutionLayoutGuard.Layout.Name()} layout (the one the convolution path check chose on this CPU). "
                + "Throughput figures are medians over the pairs; the ratio is the median of the per-pair ratios.",
            settings.BatchSize, settings.Threads, settings.WarmupSteps, settings.MeasuredSteps, tunables, pytorchVersion, pairs,
            CSharpImagesPerSecond: Median(pairs.Select(p => p.CSharpImagesPerSecond)),
            PyTorchImagesPerSecond: Median(pairs.Select(p => p.PyTorchImagesPerSecond)),
            RatioCSharpToPyTorch: Median(pairs.Select(p => p.Ratio)),
            settings.RoundImages, roundSteps, roundSeconds, values, exportMs, importMs, loadAverage);
    }

    /// <summary>Images per second of SiteModel.Train's steps after a warm-up run (head initialisation off: steps only).</summary>
    private static double MeasureSiteModel(FaceTrainingSet data, TrainingBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        using var site = new SiteModel(data.ClassCount, seed: 1);
        site.LoadGlobal(GlobalModelFactory.CreateInitial(seed: 1));
        var options = TrainingPlan.Default with { BatchSize = settings.BatchSize, InitializeHeadFromMeans = false, Seed = 1 };
        // The data is one epoch of the measured steps; the warm-up may need more passes over it.
        site.Train(data, options with { MaxSteps = settings.WarmupSteps, LocalEpochs = 1 + settings.WarmupSteps / settings.MeasuredSteps }, cancellationToken);
        LocalTrainingReport measured = site.Train(data, options with { MaxSteps = settings.MeasuredSteps, Seed = 2 }, cancellationToken);
        return measured.ImagesPerSecond;
    }

    /// <summary>
    /// What a site does in a round, minus the network: load the global model, one epoch with the default options, the
    /// delta. It starts, as a site's round does, on a heap trimmed when the last round ended (SiteAgent).
    /// </summary>
    private static (int Steps, double Seconds) MeasureLocalRound(TrainingBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        FaceTrainingSet faces = RandomFaces(settings.RoundImages, settings.RoundPeople, seed: 3);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        NativeMemory.ReleaseFreed();
        var clock = Stopwatch.StartNew();
        site.LoadGlobal(global);
        LocalTrainingReport report = site.Train(faces, TrainingPlan.Default with { BatchSize = settings.BatchSize, LocalEpochs = 1, Seed = 3 }, cancellationToken);
        site.ComputeDelta(global);
        return (report.Steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Medians of BackboneState.Export and Import of a MobileFaceNet, after a few untimed rounds.</summary>
    private static (long Values, double ExportMs, double ImportMs) MeasureCopies(int repeats)
    {
        using var backbone = new MobileFaceNet(seed: 1);
        ModelState state = BackboneState.Export(backbone);
        var exports = new List<double>();
        var imports = new List<double>();
        for (int i = -5; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            state = BackboneState.Export(backbone);
            double exportMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            BackboneState.Import(backbone, state);
            double importMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= 0)
            {
                exports.Add(exportMs);
                imports.Add(importMs);
            }
        }
        return (state.ParameterCount, Median(exports), Median(imports));
    }

    private sealed record PyTorchRun(double ImagesPerSecond, string Torch, string GlibcTunables);

    private static PyTorchRun RunReference(string script, TrainingBenchmarkSettings settings)
    {
        var start = new ProcessStartInfo(settings.PythonPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
        {
            script, "--batch", $"{settings.BatchSize}", "--threads", $"{settings.Threads}", "--warmup-steps", $"{settings.WarmupSteps}",
            "--steps", $"{settings.MeasuredSteps}", "--classes", $"{settings.Classes}",
            // PyTorch computes in the layout our backbones use on this CPU, so the ratio compares like with like.
            "--layout", ConvolutionLayoutGuard.Layout.Name(),
        })
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {settings.PythonPath}");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{settings.PythonPath} {script} failed ({process.ExitCode}): {errors.Result.Trim()} (a fresh machine needs: apt-get install python3-torch)");
        }
        using JsonDocument json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        JsonElement root = json.RootElement;
        return new PyTorchRun(root.GetProperty("images_per_s").GetDouble(), root.GetProperty("torch").GetString() ?? "", root.GetProperty("glibc_tunables").GetString() ?? "");
    }

    /// <summary><paramref name="count"/> random images, labels i mod <paramref name="classes"/> shuffled by the seed.</summary>
    private static FaceTrainingSet RandomFaces(int count, int classes, int seed)
    {
        var random = new Random(seed);
        float[] pixels = new float[(long)count * FaceTrainingSet.ValuesPerImage];
        for (long i = 0; i < pixels.LongLength; i++)
        {
            pixels[i] = random.NextSingle() * 2 - 1;
        }
        int[] labels = [.. Enumerable.Range(0, count).Select(i => i % classes)];
        random.Shuffle(labels);
        return new FaceTrainingSet(pixels, labels, classes);
    }

    private static string FindReferenceScript()
    {
        string relative = Path.Combine("lab", "python", "train_reference.py");
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new FileNotFoundException($"{relative} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
