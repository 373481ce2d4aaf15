using System.Text.Json;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// What a variant's worker processes (--engine-worker-processes) are given: they read their settings as the simulator
/// does, so the variant's (the scenario's, its overrides, the command line's) go to them as a --config file in its folder.
/// </summary>
public static class VariantWorkerSettings
{
    public const string FileName = "worker-settings.json";

    /// <summary>The workers' arguments; none when the variant runs its sites in this process.</summary>
    public static IReadOnlyList<string>? Arguments(Scenario scenario, PlannedVariant planned, IReadOnlyDictionary<string, string?> commandLine)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(commandLine);
        SimulatorOptions options = planned.Options;
        if (options.Engine.WorkerProcesses == 0)
        {
            return null;
        }
        // Later layers win, as in the plan; the paths the plan resolved are given as it resolved them.
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string? value) in scenario.Settings.Concat(planned.Variant.Overrides).Concat(commandLine))
        {
            settings[key] = value;
        }
        settings[nameof(SimulatorOptions.OutputDirectory)] = options.OutputDirectory;
        settings[nameof(SimulatorOptions.InitialModel)] = options.InitialModel;
        Directory.CreateDirectory(options.OutputDirectory);
        string path = Path.Combine(options.OutputDirectory, FileName);
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return ["--config", path];
    }
}
