using System.CommandLine;
using FedFace.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// fedface-bench vision (flags: <see cref="BenchCommandLine.Vision"/>): runs <see cref="VisionBenchmark"/> and writes
/// lab/results/vision-eval.json.
/// </summary>
public static class VisionCommand
{
    /// <returns>the process exit code: 0 done, 2 bad settings.</returns>
    public static int Run(BenchCommandLine commandLine, ParseResult command)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(command);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = command.GetValue(commandLine.VisionOut) ?? Path.Combine(root, "lab", "results", "vision-eval.json");
        var defaults = new VisionBenchmarkOptions();
        VisionBenchmarkOptions settings = defaults with
        {
            Python = command.GetValue(commandLine.Python) ?? defaults.Python,
            Workers = command.GetValue(commandLine.Workers) ?? defaults.Workers,
            AlignImages = command.GetValue(commandLine.AlignImages) ?? defaults.AlignImages,
            AlignPairs = command.GetValue(commandLine.AlignPairs) ?? defaults.AlignPairs,
            FrameRuns = command.GetValue(commandLine.FrameRuns) ?? defaults.FrameRuns,
            SearchProbes = command.GetValue(commandLine.SearchProbes) ?? defaults.SearchProbes,
        };
        IReadOnlyList<string> problems = settings.Problems();
        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"{BenchCommandLine.Name} vision: {string.Join("; ", problems)}");
            return ExitCodes.UsageError;
        }

        VisionReport report = VisionBenchmark.Run(settings, root);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        var json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        File.WriteAllText(outPath, JsonSerializer.Serialize(report, json) + "\n");
        Console.WriteLine($"detect rate {report.DetectRate:P2}; LFW {report.LfwAccuracy:P2} ± {report.LfwAccuracyStd:P2} (target {VisionBenchmark.AccuracyTarget:P1}), "
            + $"flip {report.LfwAccuracyFlip:P2} (target {VisionBenchmark.FlipAccuracyTarget:P1}); align {report.AlignImagesPerS} images/s "
            + $"= x{report.AlignRatioVsPython} Python ({report.PythonAlignImagesPerS}); frame {report.FrameMs} ms; "
            + $"TAR@FAR {string.Join(", ", report.TarAtFar.Select(p => $"{p.Key}: {p.Value:P2}"))}; "
            + $"search {string.Join(", ", report.SearchMs.Select(p => $"{p.Key}: {p.Value} ms"))} (x{report.SearchRatioVsScalar} scalar)");
        Console.WriteLine($"wrote {Path.GetFullPath(outPath)}");
        return 0;
    }
}
