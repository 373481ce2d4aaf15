using System.Diagnostics;
using System.Text.Json;
using FedFace.Aggregator.Strategies.Robust;
using FedFace.Benchmarks.SecureAggregation;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Simulation;

namespace FedFace.Benchmarks.Robust;

/// <summary>
/// fedface-bench robust-cost: what each aggregation rule costs the aggregator per round, apart from the sites' training
/// that dominates a simulated round's wall time. Combines n single updates of MobileFaceNet's size (1,019,648 values)
/// with the aggregator's FedAvg and each byzantine-robust rule (f = n / 5), the median of several repetitions, and writes
/// lab/results/robust-cost.json.
/// </summary>
public static class RobustCostCommand
{
    public const string Name = "robust-cost";
    private const int ModelValues = 1_019_648;
    private const int Repetitions = 3;

    public static async Task<int> RunAsync(string? outPath, IReadOnlyList<int> siteCounts)
    {
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        outPath ??= Path.Combine(root, "lab", "results", "robust-cost.json");
        MachineInfo machine = RunInfo.Machine();
        (string commit, bool dirty) = RunInfo.Commit(root);
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, load {machine.LoadAverageAtStart}; {ModelValues:N0} values an update, median of {Repetitions}");
        var global = new ModelState([NamedTensor.Zeros("backbone", [ModelValues])]);
        var draws = new SyntheticUpdates(seed: 23);
        var rows = new List<RobustCostRow>();
        foreach (int sites in siteCounts)
        {
            ModelState[] updates = [.. Enumerable.Range(1, sites).Select(i => draws.For($"site-{i:D4}", 1, global))];
            int f = Math.Max(1, sites / 5);
            (string Rule, Func<ModelState> Combine)[] rules =
            [
                ("fedavg", () => FedAvgMean(global, updates)),
                ("median", () => new CoordinateMedianRule(f).Combine(updates)),
                ("trimmed-mean", () => new TrimmedMeanRule(f).Combine(updates)),
                ("multi-krum", () => new MultiKrumRule(f, sites - f).Combine(updates)),
            ];
            foreach ((string rule, Func<ModelState> combine) in rules)
            {
                double[] seconds = [.. Enumerable.Range(0, Repetitions).Select(_ => Time(combine)).Order()];
                var row = new RobustCostRow(rule, sites, f, seconds[Repetitions / 2], seconds);
                rows.Add(row);
                Console.WriteLine($"{sites,5} updates, {rule,-13} (f = {f}): {row.MedianSeconds:F3} s");
            }
        }
        var report = new RobustCostReport(machine, commit, dirty, ModelValues, Repetitions, rows);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, ReportJson.Options) + "\n");
        Console.WriteLine($"wrote {outPath}");
        return 0;
    }

    /// <summary>
    /// The baseline the robust rules are set against: the aggregator's own FedAvg, which folds each update into a
    /// <see cref="FedAvgAccumulator"/> as it arrives and divides once; equal example counts make it the plain mean.
    /// </summary>
    private static ModelState FedAvgMean(ModelState layout, IReadOnlyList<ModelState> updates)
    {
        var sum = new FedAvgAccumulator(layout, UpdateWeighting.ExampleCount);
        foreach (ModelState update in updates)
        {
            sum.Fold(update, exampleCount: 1);
        }
        return sum.WeightedMean();
    }

    private static double Time(Func<ModelState> combine)
    {
        long start = Stopwatch.GetTimestamp();
        GC.KeepAlive(combine());
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

public sealed record RobustCostRow(string Rule, int Updates, int AssumedByzantine, double MedianSeconds, IReadOnlyList<double> Seconds);

public sealed record RobustCostReport(MachineInfo Machine, string Commit, bool Dirty, int ModelValues, int Repetitions, IReadOnlyList<RobustCostRow> Rows);
