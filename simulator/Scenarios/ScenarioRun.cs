using System.Diagnostics;
using FedFace.Simulator.Reports;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// Runs a scenario: the data prepared once, then each variant's federation on it (its own files in variants/&lt;label&gt;/),
/// with live progress; then the scenario's report files (<see cref="ScenarioReportFiles"/>) compare the variants.
/// </summary>
public sealed class ScenarioRun(ScenarioPlan plan, IReadOnlyDictionary<string, string?> commandLine, ILoggerFactory loggerFactory, TextWriter output, IProgressView progressView)
{
    public async Task<ScenarioReport> RunAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var clock = Stopwatch.StartNew();
        string startedAt = DateTimeOffset.UtcNow.ToString("O");
        Scenario scenario = plan.Scenario;
        output.WriteLine($"Scenario {scenario.Name}: {plan.Variants.Count} variant(s), {plan.Variants.Sum(v => v.Options.Rounds)} rounds in all; reports in {plan.OutputDirectory}");
        SimulationData data = SimulationData.Prepare(plan.Variants[0].Options, output, loggerFactory.CreateLogger<ScenarioRun>(), cancellationToken);
        double preparationSeconds = clock.Elapsed.TotalSeconds;

        var progress = new RunProgress(plan.Variants.Sum(v => v.Options.Rounds), progressView, () => clock.Elapsed.TotalSeconds);
        var variants = new List<VariantReport>();
        using (new AggregatorTelemetry(progress))
        {
            for (int i = 0; i < plan.Variants.Count; i++)
            {
                (ScenarioVariant variant, SimulatorOptions options) = (plan.Variants[i].Variant, plan.Variants[i].Options);
                output.WriteLine();
                output.WriteLine($"== {variant.Label} =={(variant.Overrides.Count > 0 ? " " + string.Join(", ", variant.Overrides.Select(o => $"{o.Key}={o.Value}")) : "")}");
                progress.BeginVariant(variant.Label, i, plan.Variants.Count, options.Rounds);
                SimulationReport run = await new Simulation(options, loggerFactory, output).RunAsync(data, preparationSeconds, cancellationToken);
                progress.EndVariant();
                ScenarioRoundRow[] rounds = [.. run.Rounds.Select(row => ScenarioRoundRow.Of(variant.Label, row, run.ScoringPairs))];
                variants.Add(new VariantReport(variant.Label, Dictionary(variant.Overrides), options.OutputDirectory, FinalAccuracy.Of(rounds[^1]), rounds, options));
            }
        }
        var report = new ScenarioReport(scenario.Name, scenario.Description, scenario.FilePath, Dictionary(scenario.Settings), commandLine,
            Simulation.MachineDescription(), startedAt, data.SiteRows, data.HeldOut.PairCount, data.HeldOut.DroppedPairs, variants,
            preparationSeconds, clock.Elapsed.TotalSeconds);
        IReadOnlyList<string> files = await ScenarioReportFiles.WriteAsync(plan.OutputDirectory, report, cancellationToken);
        output.WriteLine();
        foreach (VariantReport variant in variants)
        {
            output.WriteLine($"{variant.Label}: final accuracy {new AccuracyEstimate(variant.Final.Accuracy, variant.Final.Pairs)}"
                + (variant.Final.MaskedAccuracy is double masked ? $"; masked pairs {new AccuracyEstimate(masked, variant.Final.Pairs)}" : ""));
        }
        output.WriteLine($"Scenario done in {clock.Elapsed.TotalSeconds:F0}s; {string.Join(", ", files.Select(Path.GetFileName))} in {plan.OutputDirectory}");
        return report;
    }

    private static Dictionary<string, string?> Dictionary(IEnumerable<KeyValuePair<string, string?>> settings) =>
        settings.GroupBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(group => group.Key, group => group.Last().Value, StringComparer.OrdinalIgnoreCase);
}
