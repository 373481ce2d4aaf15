using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FedFace.Benchmarks;
using FedFace.DevelopmentData;
using FedFace.Learning.Numerics;
using FedFace.Learning.Onnx;
using FedFace.Simulator.Experiments;

namespace FedFace.Simulator.Benchmarks;

/// <summary>
/// lab/results/learning.json: ONNX import/export parity, training throughput against PyTorch, the local round time
/// and delta copy time, and the headline figures of the E1/E2 experiment reports, with the machine and commit.
/// </summary>
public static class LearningBenchmark
{
    private static readonly string[] E1Keys =
        ["e1_masked_before", "e1_masked_after", "e1_unmasked_before", "e1_unmasked_after", "e1_central_masked_after", "e1_central_unmasked_after"];
    private static readonly string[] E2Keys = ["e2_central", "e2_fedavg", "e2_fedprox", "e2_fedadam"];

    public static async Task RunAsync(string? e1ReportPath, string? e2ReportPath, string outputPath, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        MachineInfo machine = RunInfo.Machine();
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? RunInfo.RepositoryRoot(Directory.GetCurrentDirectory()) ?? ".";
        (string commit, bool dirty) = RunInfo.Commit(root);

        // The path every figure below was computed on: the layout the guard chose, on which CPU (issue 20).
        ConvolutionPathDecision convolutionPath = ConvolutionLayoutGuard.Decision;
        output.WriteLine(convolutionPath.ToString());
        JsonObject? previous = File.Exists(outputPath) ? JsonNode.Parse(await File.ReadAllTextAsync(outputPath, cancellationToken)) as JsonObject : null;

        output.WriteLine($"ONNX parity on {OnnxParity.FaceCount} aligned LFW faces…");
        OnnxParity parity = OnnxParity.LoadLfwFaces();
        double importCosine = parity.ImportMinCosine(SharedData.MobileFaceNetOnnx);
        double exportCosine = parity.ExportMinCosine(OnnxParity.PerturbBatchNorm(MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx), seed: 7));
        output.WriteLine($"  import min cosine {importCosine:F7}, export min cosine {exportCosine:F7}");

        output.WriteLine("Training throughput against PyTorch…");
        TrainingBenchmarkFigures training = TrainingBenchmark.Run(new TrainingBenchmarkSettings(), output, cancellationToken);

        var result = new JsonObject
        {
            ["benchmark"] = "learning",
            ["commit"] = commit,
            ["dirty_tree"] = dirty,
            ["machine"] = JsonSerializer.SerializeToNode(machine),
            ["measured_at_utc"] = DateTimeOffset.UtcNow.ToString("O"),
            ["convolution_path"] = new JsonObject
            {
                ["layout"] = convolutionPath.Layout.Name(),
                ["forced_by_FEDFACE_CONV_LAYOUT"] = convolutionPath.Forced,
                ["cpu"] = convolutionPath.Cpu.Model,
                ["avx512_flags"] = new JsonArray([.. convolutionPath.Cpu.Avx512Flags.Select(f => JsonValue.Create(f))]),
                ["onednn_max_cpu_isa"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"),
                ["check"] = convolutionPath.ToString(),
            },
            ["import_min_cosine"] = importCosine,
            ["export_min_cosine"] = exportCosine,
            ["parity_method"] = $"first image of each of the first {OnnxParity.FaceCount} LFW people (alphabetical) that YuNet aligns; TorchSharp vs ONNX Runtime 1 thread-pair; export from the pretrained weights with perturbed BatchNorm statistics",
            ["train_images_per_s"] = training.CSharpImagesPerSecond,
            ["pytorch_train_images_per_s"] = training.PyTorchImagesPerSecond,
            ["train_ratio_vs_pytorch"] = training.RatioCSharpToPyTorch,
            ["round_seconds_500_images"] = training.RoundSeconds,
            ["delta_copy_out_ms"] = training.ExportMilliseconds,
            ["delta_copy_in_ms"] = training.ImportMilliseconds,
            ["training"] = JsonSerializer.SerializeToNode(training),
        };
        AddExperiment(result, "e1", e1ReportPath, E1Keys, previous, output);
        AddExperiment(result, "e2", e2ReportPath, E2Keys, previous, output);
        result["seconds"] = clock.Elapsed.TotalSeconds;

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        await File.WriteAllTextAsync(outputPath, result.ToJsonString(ExperimentOutput.Json) + "\n", cancellationToken);
        output.WriteLine($"Wrote {outputPath}");
    }

    /// <summary>
    /// The experiment's headline figures under their keys: from its report when given; else carried over from the
    /// previous result file with where and when they were measured (an experiment takes 25-80 minutes, and the training
    /// figures here are re-measured more often); else null for each, with a note saying why.
    /// </summary>
    private static void AddExperiment(JsonObject result, string name, string? reportPath, string[] keys, JsonObject? previous, TextWriter output)
    {
        if (string.IsNullOrWhiteSpace(reportPath) && previous is not null && keys.Any(k => previous[k] is not null))
        {
            CarryOver(result, name, keys, previous);
            output.WriteLine($"  {name}: {result[$"{name}_note"]}");
            return;
        }
        JsonObject? figures = null;
        string note;
        if (string.IsNullOrWhiteSpace(reportPath))
        {
            note = $"no {name} report given (run: fedface-simulator experiment {name}, then pass --{name} runs/{name}/{name}-report.json)";
        }
        else if (!File.Exists(reportPath))
        {
            note = $"{reportPath} does not exist";
        }
        else
        {
            JsonNode report = JsonNode.Parse(File.ReadAllText(reportPath))!;
            figures = report["Figures"]?.AsObject();
            bool quick = report["Quick"]?.GetValue<bool>() ?? false;
            note = $"from {reportPath}{(quick ? " (QUICK settings: a smoke run, not the benchmark)" : "")}; goal {(report["GoalMet"]?.GetValue<bool>() == true ? "met" : "not met")}: {report["Goal"]}";
            result[$"{name}_goal_met"] = report["GoalMet"]?.GetValue<bool>();
            result[$"{name}_protocol"] = report["Protocol"]?.GetValue<string>();
            result[$"{name}_quick"] = quick;
        }
        foreach (string key in keys)
        {
            result[key] = figures?[key]?.GetValue<double>();
        }
        result[$"{name}_note"] = note;
        output.WriteLine($"  {name}: {note}");
    }

    /// <summary>
    /// The previous file's figures of one experiment, not re-measured in this run, labelled with their own provenance:
    /// the commit, time, CPU and convolution layout of the run that measured them (kept as they were when the previous
    /// file had carried them over itself).
    /// </summary>
    private static void CarryOver(JsonObject result, string name, string[] keys, JsonObject previous)
    {
        foreach (string key in new[] { $"{name}_goal_met", $"{name}_protocol", $"{name}_quick" }.Concat(keys))
        {
            result[key] = previous[key]?.DeepClone();
        }
        result[$"{name}_carried_over_from"] = previous[$"{name}_carried_over_from"]?.DeepClone() ?? new JsonObject
        {
            ["commit"] = previous["commit"]?.DeepClone(),
            ["measured_at_utc"] = previous["measured_at_utc"]?.DeepClone(),
            ["cpu"] = previous["machine"]?["Cpu"]?.DeepClone(),
            ["convolution_layout"] = previous["convolution_path"]?["layout"]?.DeepClone() ?? "not recorded (channels-last, before the layout check)",
        };
        string previousNote = previous[$"{name}_note"]?.GetValue<string>() ?? "";
        result[$"{name}_note"] = previousNote.StartsWith("carried over", StringComparison.Ordinal)
            ? previousNote
            : $"carried over from the previous learning.json, NOT re-measured in this run (see {name}_carried_over_from); there: {previousNote}";
    }
}
