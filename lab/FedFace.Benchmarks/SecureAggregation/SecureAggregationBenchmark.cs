using FedFace.Core.SecureAggregation;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// The figures issue 5 asks of secure aggregation, all in one process (the wire is not needed for them; bytes
/// are those of the serialised messages): rounds of 10 and 100 sites with a 1.2M-element delta and of 1,000
/// sites with a shorter synthetic one, against plain FedAvg of the same deltas, and the PRG against its
/// own keystream.
/// </summary>
public static class SecureAggregationBenchmark
{
    public const int ModelDimension = 1_200_000;
    public const double DropoutRate = 0.3;
    public const double OverheadTarget = 1.5;
    public const string NoDropoutRun = "100-no-dropout";

    /// <summary>The runs keyed by site count in the report's headline figures.</summary>
    public static readonly string[] SiteCountRuns = ["10", "100", "1000"];

    /// <summary>The runs with <see cref="DropoutRate"/> spread over the stages.</summary>
    public static readonly string[] DropoutRuns = ["10", "1000"];

    public static async Task<(PrgFigures Prg, Dictionary<string, RoundFigures> Runs)> RunAsync(int prgPairs, int largeDimension)
    {
        PrgFigures prg = await PrgBenchmark.RunAsync(prgPairs);

        Console.WriteLine("Warm-up round (12 sites, 50,000 elements, not reported)");
        SecAggBenchRound.Run(new RoundPlan(12, 50_000, RoundPlan.Spread(DropoutRate), ClientParallelism: 1, MaskThreads: 0, Seed: 1));

        var runs = new Dictionary<string, RoundFigures>();
        RoundFigures Measure(string label, RoundPlan plan)
        {
            string drops = plan.DropoutBeforeStage.Count == 0 ? "nobody" : string.Join(", ", plan.DropoutBeforeStage.Select(d => $"{d.Value:P0} before {d.Key}"));
            Console.WriteLine($"{plan.Sites} sites x {plan.Dimension:N0} elements, dropping {drops} ...");
            GC.Collect();
            RoundFigures figures = SecAggBenchRound.Run(plan);
            Console.WriteLine($"  k = {figures.NeighbourCount}, t = {figures.Threshold}; exact sum {(figures.ExactSumEqual ? "equal" : "DIFFERENT")} over "
                + $"{figures.Contributors} contributors; max |secure − plain| {figures.MaxAbsErrorVsPlain:g3} (bound {figures.ErrorBound:g3}); "
                + $"server {figures.ServerMs} ms, plain fold {figures.PlainFedAvgFoldMs} ms, site masking {figures.ClientMaskMsMedian} ms; "
                + $"consistency check x{figures.ConsistencyCheckRoundTimeRatio} round time; {figures.WallSeconds} s");
            runs[label] = figures;
            return figures;
        }

        Measure("10", new RoundPlan(10, ModelDimension, RoundPlan.Spread(DropoutRate), ClientParallelism: 1, MaskThreads: 0, Seed: 10));
        // 10% drop after sharing keys and never send a masked input: the costly case for the server, which
        // must rebuild their mask keys and regenerate every pairwise mask they shared with a survivor.
        Measure("100", new RoundPlan(100, ModelDimension, new Dictionary<SecAggStage, double> { [SecAggStage.MaskedInput] = 0.1 },
            ClientParallelism: 1, MaskThreads: 0, Seed: 100));
        Measure("1000", new RoundPlan(1000, largeDimension, RoundPlan.Spread(DropoutRate), ClientParallelism: 2, MaskThreads: 1, Seed: 1000));
        // The floor of the server's overhead: the same round with nobody dropping (only self masks to remove).
        Measure(NoDropoutRun, new RoundPlan(100, ModelDimension, new Dictionary<SecAggStage, double>(), ClientParallelism: 1, MaskThreads: 0, Seed: 101));
        return (prg, runs);
    }
}
