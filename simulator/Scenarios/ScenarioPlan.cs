using FedFace.DevelopmentData;
using Microsoft.Extensions.Configuration;

namespace FedFace.Simulator.Scenarios;

/// <summary>One variant ready to run: its label, the overrides it was given and the settings they make.</summary>
public sealed record PlannedVariant(ScenarioVariant Variant, SimulatorOptions Options);

/// <summary>
/// A scenario's variants as settings: for each, the file's settings, then the variant's overrides, then the environment
/// (FEDFACE_SIM_…), then the command line's flags, so a flag overrides the file for every variant. Every training variant
/// must run on the data the first prepares (<see cref="PreparedDataShape"/>); synthetic and replayed sites need none.
/// </summary>
public sealed class ScenarioPlan
{
    private ScenarioPlan(Scenario scenario, IReadOnlyList<PlannedVariant> variants, string outputDirectory)
    {
        Scenario = scenario;
        Variants = variants;
        OutputDirectory = outputDirectory;
    }

    public Scenario Scenario { get; }
    public IReadOnlyList<PlannedVariant> Variants { get; }
    /// <summary>Where the scenario's reports go; each variant's own run is in variants/&lt;label&gt;/ below it.</summary>
    public string OutputDirectory { get; }

    /// <summary>The variants' settings, or the problems that stop the scenario, each naming its variant.</summary>
    /// <param name="given">The command line's settings (configuration keys).</param>
    /// <param name="environmentPrefix">The environment variables' prefix (null: none read, for tests).</param>
    public static ScenarioPlan Create(Scenario scenario, IEnumerable<KeyValuePair<string, string?>> given, string? environmentPrefix, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        KeyValuePair<string, string?>[] flags = [.. given];
        var found = new List<string>();
        var variants = new List<PlannedVariant>();
        foreach (ScenarioVariant variant in scenario.Runs)
        {
            string where = scenario.Variants.Count > 0 ? $"variant '{variant.Label}': " : "";
            IConfiguration configuration = Configuration(scenario, variant, flags, environmentPrefix);
            try
            {
                SimulatorOptions options = SimulatorOptions.Read(configuration);
                options.InitialModel = FromSharedFolder(options.InitialModel, options.SharedDirectory);
                found.AddRange(options.Problems().Select(problem => where + problem));
                variants.Add(new PlannedVariant(variant, options));
            }
            catch (ArgumentException e)
            {
                found.Add(where + e.Message);
            }
        }
        if (found.Count == 0)
        {
            found.AddRange(DataProblems(variants));
        }
        problems = found;
        IConfiguration shared = Configuration(scenario, new ScenarioVariant(scenario.Name, []), flags, environmentPrefix);
        string outputDirectory = shared[nameof(SimulatorOptions.OutputDirectory)] is { Length: > 0 } chosen
            ? Path.GetFullPath(chosen)
            : Path.GetFullPath(Path.Combine("runs", Slugs.Of(scenario.Name)));
        foreach (PlannedVariant planned in variants)
        {
            planned.Options.OutputDirectory = Path.Combine(outputDirectory, "variants", planned.Variant.Slug);
        }
        return new ScenarioPlan(scenario, variants, outputDirectory);
    }

    /// <summary>
    /// The training variants must train on the data the first of them prepares; variants that do not train (synthetic,
    /// replay) need none, so they mix with any.
    /// </summary>
    private static IEnumerable<string> DataProblems(IEnumerable<PlannedVariant> variants)
    {
        (string Label, PreparedDataShape Shape)[] training = [.. variants
            .Select(v => (v.Variant.Label, Shape: PreparedDataShape.Of(v.Options)))
            .Where(v => v.Shape is not null)
            .Select(v => (v.Label, v.Shape!))];
        return training.Skip(1)
            .Select(v => (v.Label, Differences: v.Shape.DifferencesFrom(training[0].Shape).ToArray()))
            .Where(v => v.Differences.Length > 0)
            .Select(v => $"variant '{v.Label}' changes the prepared data ({string.Join(", ", v.Differences)}); "
                + $"training variants share the first one's ('{training[0].Label}') data: make it a scenario of its own");
    }

    /// <summary>
    /// A relative InitialModel is the shared data folder's (models/mobilefacenet_foamliu.onnx), so a checked-in scenario
    /// names the pretrained model wherever the data lives.
    /// </summary>
    internal static string FromSharedFolder(string model, string sharedDirectory)
    {
        if (string.IsNullOrWhiteSpace(model) || Path.IsPathRooted(model))
        {
            return model;
        }
        try
        {
            return Path.GetFullPath(model, sharedDirectory is { Length: > 0 } ? sharedDirectory : SharedData.Root);
        }
        catch (DirectoryNotFoundException)
        {
            return model; // no shared folder: the model's check names the path as given
        }
    }

    /// <summary>The layers of one variant's settings, lowest first.</summary>
    public static IConfiguration Configuration(Scenario scenario, ScenarioVariant variant, IEnumerable<KeyValuePair<string, string?>> given, string? environmentPrefix)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(variant);
        IConfigurationBuilder builder = new ConfigurationBuilder().AddInMemoryCollection(scenario.Settings).AddInMemoryCollection(variant.Overrides);
        if (environmentPrefix is not null)
        {
            builder.AddEnvironmentVariables(environmentPrefix);
        }
        return builder.AddInMemoryCollection(given).Build();
    }
}
