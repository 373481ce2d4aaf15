using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// fedface-bench vision [--out PATH] [--workers N] [--align-images N] [--align-pairs N] [--frame-runs N] [--python PATH]:
/// runs <see cref="VisionBenchmark"/> and writes lab/results/vision-eval.json.
/// </summary>
public static class VisionCommand
{
    public const string Usage = "usage: fedface-bench vision [--out lab/results/vision-eval.json] [--workers N] [--align-images N] "
        + "[--align-pairs N] [--frame-runs N] [--search-probes N] [--python /usr/bin/python3]";

    /// <param name="options">the arguments after "vision".</param>
    /// <returns>the process exit code: 0 done, 2 bad arguments.</returns>
    public static int Run(IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = Path.Combine(root, "lab", "results", "vision-eval.json");
        var settings = new VisionBenchmarkOptions();
        if (options.Count % 2 != 0)
        {
            return Fail($"every option takes a value: {string.Join(' ', options)}");
        }
        for (int i = 0; i < options.Count; i += 2)
        {
            string value = options[i + 1];
            switch (options[i])
            {
                case "--out": outPath = value; break;
                case "--python": settings = settings with { Python = value }; break;
                case "--workers" when Number(value) is int n: settings = settings with { Workers = n }; break;
                case "--align-images" when Number(value) is int n: settings = settings with { AlignImages = n }; break;
                case "--align-pairs" when Number(value) is int n: settings = settings with { AlignPairs = n }; break;
                case "--frame-runs" when Number(value) is int n: settings = settings with { FrameRuns = n }; break;
                case "--search-probes" when Number(value) is int n: settings = settings with { SearchProbes = n }; break;
                default: return Fail($"unknown option or bad number: {options[i]} {value}");
            }
        }
        IReadOnlyList<string> problems = settings.Problems();
        if (problems.Count > 0)
        {
            return Fail(string.Join("; ", problems));
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

        static int? Number(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;

        static int Fail(string message)
        {
            Console.Error.WriteLine(message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }
}
