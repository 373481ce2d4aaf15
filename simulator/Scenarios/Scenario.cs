namespace FedFace.Simulator.Scenarios;

/// <summary>
/// A checked-in experiment: the simulator's settings (the keys --config reads) with a name and a description, and the
/// variants it compares, each a labelled set of setting overrides run on the same prepared data.
/// </summary>
/// <param name="Settings">The file's settings as configuration keys (Training:LearningRate), relative paths made absolute.</param>
public sealed record Scenario(string Name, string Description, string FilePath,
    IReadOnlyList<KeyValuePair<string, string?>> Settings, IReadOnlyList<ScenarioVariant> Variants)
{
    /// <summary>What runs: the variants, or the scenario's own settings once, under its name.</summary>
    public IReadOnlyList<ScenarioVariant> Runs => Variants.Count > 0 ? Variants : [new ScenarioVariant(Name, [])];
}

/// <summary>One line of a scenario's plots: its label and the settings it overrides (configuration keys).</summary>
public sealed record ScenarioVariant(string Label, IReadOnlyList<KeyValuePair<string, string?>> Overrides)
{
    /// <summary>The label as a folder name: "FedProx μ=0.01" → "fedprox-μ-0-01".</summary>
    public string Slug => Slugs.Of(Label);
}

internal static class Slugs
{
    public static string Of(string text)
    {
        char[] kept = [.. text.Trim().ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')];
        string slug = string.Join('-', new string(kept).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length > 0 ? slug : "run";
    }
}
