using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.Experiments;

/// <summary>One federation of an experiment, on the experiment's prepared data, in its own folder under the experiment's.</summary>
public static class FederationRun
{
    public static async Task<(SimulationReport Report, ExperimentRun Run)> RunAsync(string name, SimulatorOptions options, SimulationData data,
        ILoggerFactory loggerFactory, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"== {name} ==");
        var clock = Stopwatch.StartNew();
        SimulationReport report = await new Simulation(options, loggerFactory, output).RunAsync(data, 0, cancellationToken);
        RoundRow last = report.Rounds[^1];
        return (report, new ExperimentRun(name, "federated", clock.Elapsed.TotalSeconds,
            Path.Combine(options.OutputDirectory, "simulation-report.json"), last.Accuracy, last.MaskedAccuracy));
    }

    public static AccuracyCurve Curve(string name, SimulationReport report, bool masked = false) =>
        new(name, report.Rounds.Select(r => new RoundAccuracy(r.Round, masked ? r.MaskedAccuracy!.Value : r.Accuracy)).ToArray());

    /// <summary>A flat line across the rounds at a single accuracy (the centralized result), to compare curves against.</summary>
    public static AccuracyCurve Level(string name, int rounds, double accuracy) =>
        new(name, [new RoundAccuracy(0, accuracy), new RoundAccuracy(rounds, accuracy)]);
}
