using System.Globalization;
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
    public const string Usage = "fedface-bench secure-aggregation scale [--out lab/results/scale.json] [--sites 1000] [--dimension 1200000] "
        + "[--dropouts 0.1,0.3] [--prg-pairs 5] [--section secure_aggregation]";
    public const string Section = "secure_aggregation";

    public static async Task<int> RunAsync(IReadOnlyList<string> options)
    {
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = Path.Combine(root, "lab", "results", "scale.json");
        int sites = 1000, dimension = 1_200_000, prgPairs = 5;
        string section = Section;
        double[] dropouts = [0.1, 0.3];
        if (options.Count % 2 != 0) return SecureAggregationCommand.Fail($"every option takes a value: {string.Join(' ', options)}");
        for (int i = 0; i < options.Count; i += 2)
        {
            string value = options[i + 1];
            switch (options[i])
            {
                case "--out": outPath = value; break;
                case "--section": section = value; break;
                case "--sites" when int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n >= RoundConfiguration.MinimumSites: sites = n; break;
                case "--dimension" when int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0: dimension = n; break;
                case "--prg-pairs" when int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0: prgPairs = n; break;
                case "--dropouts" when TryParseRates(value, out double[] rates): dropouts = rates; break;
                default: return SecureAggregationCommand.Fail($"unknown option or bad value: {options[i]} {value}");
            }
        }

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

    private static bool TryParseRates(string value, out double[] rates)
    {
        rates = [];
        var parsed = new List<double>();
        foreach (string part in value.Split(','))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || rate < 0 || rate >= 1) return false;
            parsed.Add(rate);
        }
        rates = [.. parsed];
        return rates.Length > 0;
    }
}
