using System.Text.Json;
using System.Text.Json.Nodes;
using FedFace.Core.SecureAggregation;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// fedface-bench secure-aggregation scale: issue 23's SecAgg+ rows. Measures the mask PRG's raw keystream speed, then
/// runs one whole SecAgg+ round of many sites per dropout rate (spread over the stages) and sets the server's unmasking
/// time against the keystream the round requires at that speed. Writes the "secure_aggregation" section (or the one
/// --section names) of lab/results/scale.json and leaves the file's other sections as they are.
/// </summary>
public static class SecureAggregationScaleCommand
{
    public const string Name = "scale";
    public const string Section = "secure_aggregation";

    public static async Task<int> RunAsync(BenchCommandLine commandLine, System.CommandLine.ParseResult command)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(command);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = command.GetValue(commandLine.ScaleOut) ?? Path.Combine(root, "lab", "results", "scale.json");
        int sites = command.GetValue(commandLine.ScaleSites) ?? 1000, dimension = command.GetValue(commandLine.ScaleDimension) ?? 1_200_000;
        int prgPairs = command.GetValue(commandLine.ScalePrgPairs) ?? 5;
        string section = command.GetValue(commandLine.ScaleSection) ?? Section;
        double[] dropouts = command.GetValue(commandLine.ScaleDropouts)!;

        MachineInfo machine = RunInfo.Machine();
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Dotnet}, load {machine.LoadAverageAtStart}");
        (string commit, bool dirty) = RunInfo.Commit(root);
        ScaleSection measured = await SecureAggregationScaleBenchmark.RunAsync(machine, sites, dimension, dropouts, prgPairs,
            soFar => WriteSectionAsync(outPath, section, soFar with { Commit = commit, Dirty = dirty }));
        Console.WriteLine($"wrote the {section} section of {outPath}");
        return measured.Rounds.Values.All(r => r.ExactSumEqual) ? 0 : 1;
    }

    /// <summary>Replaces one section of the file and keeps every other section as it is.</summary>
    private static async Task WriteSectionAsync(string outPath, string name, ScaleSection section)
    {
        JsonObject document = File.Exists(outPath) ? JsonNode.Parse(await File.ReadAllTextAsync(outPath)) as JsonObject ?? [] : [];
        document[name] = JsonSerializer.SerializeToNode(section, ReportJson.Options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, document.ToJsonString(ReportJson.Options) + "\n");
    }
}
