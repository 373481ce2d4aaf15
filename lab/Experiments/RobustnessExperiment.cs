using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FedFace.Aggregator.Strategies.Robust;
using FedFace.Core;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.Experiments;

/// <summary>Which cells of the robustness matrix to run: comma-separated lists (--starts, --attacks, --fractions, --rules).</summary>
public sealed record RobustnessMatrix(string[] Starts, string[] Attacks, double[] Fractions, string[] Rules)
{
    public static RobustnessMatrix Parse(string? starts, string? attacks, string? fractions, string? rules) => new(
        List(starts, "pretrained,scratch"),
        List(attacks, "scale,sign-flip,noise"),
        [.. List(fractions, "0,0.1,0.2").Select(f => double.TryParse(f, CultureInfo.InvariantCulture, out double share) ? share : double.NaN)],
        List(rules, "fedavg,median,trimmed-mean,multi-krum"));

    private static string[] List(string? given, string all) =>
        (string.IsNullOrWhiteSpace(given) ? all : given).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<string> Problems()
    {
        foreach (string start in Starts.Where(s => s is not ("pretrained" or "scratch"))) yield return $"--starts takes pretrained and scratch, got '{start}'";
        foreach (string rule in Rules.Where(r => new AggregationSettings { Rule = r }.Kind is null)) yield return $"--rules takes {AggregationSettings.RuleNames}, got '{rule}'";
        foreach (string attack in Attacks.Where(a => new ByzantineSettings { Attack = a }.Problems().Any())) yield return $"--attacks takes {ByzantineSettings.AttackNames}, got '{attack}'";
        foreach (double fraction in Fractions.Where(f => !(f is >= 0 and < 1))) yield return $"--fractions takes shares in [0, 1) such as 0,0.1,0.2, got {fraction}";
    }
}

/// <summary>One federation of the matrix: its cell and what it scored.</summary>
/// <param name="StandardError">Of the final accuracy: the fold accuracies' standard deviation over √folds.</param>
/// <param name="LastLocalLoss">The sites' mean local loss in the last round: how well the model the attacked rounds made fits their faces.</param>
public sealed record RobustnessCell(string Start, string Attack, double ByzantineFraction, int ByzantineSites, string Rule, int AssumedF,
    double InitialAccuracy, double FinalAccuracy, double StandardError, double? LastLocalLoss, int RoundsCommitted, int Rounds, double MeanRoundSeconds, string ReportPath);

/// <summary>
/// Byzantine robustness (issue 24 item 1): federations with 0, 10 and 20% byzantine sites of each attack, each robust rule
/// against plain FedAvg, from the pretrained start and from scratch; held-out accuracy with its standard error and the
/// seconds per round. Writes robust-report.json and robust-results.md (a Markdown table) in the output directory.
/// </summary>
public static class RobustnessExperiment
{
    public const string Name = "robust";

    /// <summary>The pretrained start: E1's fine-tuning settings (without masks) over 10 sites.</summary>
    public static SimulatorOptions Settings(bool quick)
    {
        SimulatorOptions options = MaskedFineTuningExperiment.Settings(quick);
        options.Sites = 10;
        options.Rounds = quick ? 2 : 5;
        options.Training = options.Training with { MaskedFaceProbability = 0 };
        options.MaskedEval = false;
        options.OutputDirectory = Path.Combine("runs", Name);
        return options;
    }

    /// <summary>The from-scratch start: E2's settings, at the pretrained start's scale.</summary>
    private static SimulatorOptions ScratchOf(SimulatorOptions pretrained, bool quick)
    {
        SimulatorOptions options = NonIidFromScratchExperiment.Settings(quick);
        options.Sites = pretrained.Sites;
        options.Rounds = pretrained.Rounds;
        options.MaxPeople = pretrained.MaxPeople;
        options.EvalPairsPerFold = pretrained.EvalPairsPerFold;
        options.Seed = pretrained.Seed;
        options.OutputDirectory = pretrained.OutputDirectory;
        return options;
    }

    public static async Task<IReadOnlyList<RobustnessCell>> RunAsync(SimulatorOptions options, RobustnessMatrix matrix, bool quick, ILoggerFactory loggerFactory,
        TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string startedAt = DateTimeOffset.UtcNow.ToString("O");
        var cells = new List<RobustnessCell>();
        foreach (string start in matrix.Starts)
        {
            SimulatorOptions baseline = start == "pretrained" ? options : ScratchOf(options, quick);
            SimulationData data = SimulationData.Prepare(baseline, output, loggerFactory.CreateLogger(Name), cancellationToken);
            int folds = FoldSplit.For(baseline).Scoring.Length;
            // 0% byzantine is one cell per rule, whatever the attack.
            var attacks = matrix.Fractions.SelectMany(f => f == 0 ? [("none", 0.0)] : matrix.Attacks.Select(a => (a, f)));
            foreach ((string attack, double fraction) in attacks)
            {
                foreach (string rule in matrix.Rules)
                {
                    cells.Add(await RunCellAsync(baseline, data, folds, start, attack, fraction, rule, loggerFactory, output, cancellationToken));
                    await WriteAsync(cells, options, matrix, startedAt, clock.Elapsed.TotalSeconds, output, cancellationToken); // a stopped run keeps its cells
                }
            }
        }
        output.WriteLine();
        output.WriteLine(Table(cells));
        return cells;
    }

    private static async Task<RobustnessCell> RunCellAsync(SimulatorOptions baseline, SimulationData data, int folds, string start, string attack, double fraction,
        string rule, ILoggerFactory loggerFactory, TextWriter output, CancellationToken cancellationToken)
    {
        SimulatorOptions cell = baseline.Clone();
        var byzantine = new ByzantineSettings { Fraction = fraction, Attack = attack == "none" ? "sign-flip" : attack, Scale = baseline.Byzantine.Scale };
        int attackers = byzantine.CountOf(cell.Sites);
        // The rule assumes as many byzantine sites as there are (at least one, so a clean run pays what a guarded one does).
        int assumedF = Math.Max(1, attackers);
        cell.Byzantine = byzantine;
        cell.Aggregation = new AggregationSettings { Rule = rule, ByzantineSites = assumedF, MaxHeldUpdateBytes = baseline.Aggregation.MaxHeldUpdateBytes };
        string label = $"{start}/{attack}-{fraction * 100:F0}pct/{rule}";
        cell.OutputDirectory = Path.Combine(baseline.OutputDirectory, label);
        (SimulationReport report, _) = await FederationRun.RunAsync(label, cell, data, loggerFactory, output, cancellationToken);
        RoundRow first = report.Rounds[0], last = report.Rounds[^1];
        RoundRow[] rounds = [.. report.Rounds.Skip(1)];
        return new RobustnessCell(start, attack, fraction, attackers, rule, assumedF, first.Accuracy, last.Accuracy, last.AccuracyStd / Math.Sqrt(folds), last.MeanLocalLoss,
            rounds.Count(r => r.Committed), rounds.Length, rounds.Length == 0 ? 0 : rounds.Average(r => r.RoundSeconds),
            Path.Combine(cell.OutputDirectory, "simulation-report.json"));
    }

    private static async Task WriteAsync(IReadOnlyList<RobustnessCell> cells, SimulatorOptions options, RobustnessMatrix matrix, string startedAt, double seconds,
        TextWriter output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var report = new { Name, Machine = Simulation.MachineDescription(), StartedAtUtc = startedAt, TotalSeconds = seconds, Protocol = ExperimentOutput.Protocol(options), Matrix = matrix, Cells = cells, Settings = options };
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "robust-report.json"), JsonSerializer.Serialize(report, ExperimentOutput.Json), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "robust-results.md"), Table(cells), cancellationToken);
        output.WriteLine($"Report: {Path.Combine(options.OutputDirectory, "robust-report.json")} ({cells.Count} cells)");
    }

    /// <summary>One row per federation; Δ is the change against FedAvg's accuracy in the same cell.</summary>
    public static string Table(IReadOnlyList<RobustnessCell> cells)
    {
        var table = new StringBuilder();
        table.AppendLine("| start | attack | byzantine sites | rule (f) | accuracy ± SE | Δ vs FedAvg | start accuracy | last-round local loss | rounds committed | s / round |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (RobustnessCell c in cells)
        {
            RobustnessCell? fedAvg = cells.FirstOrDefault(o => o.Rule == "fedavg" && o.Start == c.Start && o.Attack == c.Attack && o.ByzantineFraction == c.ByzantineFraction);
            string delta = fedAvg is null || c.Rule == "fedavg" ? "" : string.Create(CultureInfo.InvariantCulture, $"{(c.FinalAccuracy - fedAvg.FinalAccuracy) * 100:+0.00;-0.00;0.00}");
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Start} | {c.Attack} | {c.ByzantineSites} ({c.ByzantineFraction:P0}) | {c.Rule} ({c.AssumedF}) | {c.FinalAccuracy * 100:F2}% ± {c.StandardError * 100:F2} | {delta} | {c.InitialAccuracy * 100:F2}% | {c.LastLocalLoss:F3} | {c.RoundsCommitted}/{c.Rounds} | {c.MeanRoundSeconds:F0} |"));
        }
        return table.ToString();
    }
}
