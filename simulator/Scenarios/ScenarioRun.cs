using System.Diagnostics;
using FedFace.Simulator.Reports;
using FedFace.Simulator.VirtualSites;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// Runs a scenario: the training variants' faces prepared once (<see cref="ScenarioFaces"/>), then each variant's
/// federation through the virtual-site engine (its own files in variants/&lt;label&gt;/): training sites on those faces,
/// synthetic or replayed ones with none; with live progress; then the scenario's report files
/// (<see cref="ScenarioReportFiles"/>) compare the variants.
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
        ScenarioFaces faces = ScenarioFaces.Prepare(plan, output, loggerFactory.CreateLogger<ScenarioRun>(), cancellationToken);

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
                IReadOnlyList<string>? workerArguments = VariantWorkerSettings.Arguments(scenario, plan.Variants[i], commandLine);
                ScenarioRoundRow[] rounds = await RoundsAsync(variant.Label, options, faces, workerArguments, cancellationToken);
                progress.EndVariant();
                variants.Add(new VariantReport(variant.Label, Dictionary(variant.Overrides), options.OutputDirectory,
                    rounds.Length > 0 ? FinalAccuracy.Of(rounds[^1]) : null, rounds, options));
            }
        }
        var report = new ScenarioReport(scenario.Name, scenario.Description, scenario.FilePath, Dictionary(scenario.Settings), commandLine,
            Simulation.MachineDescription(), startedAt, faces.Sites, faces.HeldOut?.PairCount ?? 0, faces.HeldOut?.DroppedPairs ?? 0, variants,
            faces.PreparationSeconds, clock.Elapsed.TotalSeconds);
        IReadOnlyList<string> files = await ScenarioReportFiles.WriteAsync(plan.OutputDirectory, report, cancellationToken);
        output.WriteLine();
        foreach (VariantReport variant in variants)
        {
            output.WriteLine(variant.Final is { } final ? $"{variant.Label}: final accuracy {final}"
                : $"{variant.Label}: {variant.Rounds.Count(r => r.Committed)}/{variant.Rounds.Count} rounds committed (not scored: its sites do not train), "
                    + $"peak RSS {variant.Rounds.LastOrDefault()?.PeakRssGb:F2} GB");
        }
        output.WriteLine($"Scenario done in {clock.Elapsed.TotalSeconds:F0}s; {string.Join(", ", files.Select(Path.GetFileName))} in {plan.OutputDirectory}");
        return report;
    }

    /// <summary>One variant's federation and its rows: scored on the held-out pairs when its sites train, the engine's figures when not.</summary>
    private async Task<ScenarioRoundRow[]> RoundsAsync(string label, SimulatorOptions options, ScenarioFaces faces, IReadOnlyList<string>? workerArguments,
        CancellationToken cancellationToken)
    {
        if (PreparedDataShape.Of(options) is null)
        {
            EngineReport untrained = await new UntrainedSimulation(options, loggerFactory, output, workerArguments).RunAsync(cancellationToken);
            return [.. untrained.Rounds.Select(round => ScenarioRoundRow.Of(label, round, untrained.EngineRounds.FirstOrDefault(e => e.Round == round.Round)))];
        }
        SimulationReport run = await faces.RunAsync(new Simulation(options, loggerFactory, output, workerArguments), cancellationToken);
        return [.. run.Rounds.Select(row => ScenarioRoundRow.Of(label, row, run.ScoringPairs))];
    }

    private static Dictionary<string, string?> Dictionary(IEnumerable<KeyValuePair<string, string?>> settings) =>
        settings.GroupBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(group => group.Key, group => group.Last().Value, StringComparer.OrdinalIgnoreCase);
}
