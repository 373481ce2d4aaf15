namespace FedFace.Simulator.Reports;

/// <summary>What a scenario ran and found (report.json): the scenario, its data, and every variant's rounds.</summary>
public sealed record ScenarioReport(
    string Name,
    string Description,
    string ScenarioFile,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, string?> CommandLine,
    string Machine,
    string StartedAtUtc,
    IReadOnlyList<SiteRow> Sites,
    int ScoringPairs,
    int ScoringPairsDropped,
    IReadOnlyList<VariantReport> Variants,
    double PreparationSeconds,
    double TotalSeconds);

/// <summary>One variant: the settings it overrode, where its own run's files are, its final accuracy and its rounds.</summary>
public sealed record VariantReport(
    string Label,
    IReadOnlyDictionary<string, string?> Overrides,
    string OutputDirectory,
    FinalAccuracy Final,
    IReadOnlyList<ScenarioRoundRow> Rounds,
    SimulatorOptions Settings);

/// <summary>The last round's accuracy with its standard error and the pairs it was measured on.</summary>
public sealed record FinalAccuracy(double Accuracy, double StandardError, int Pairs, double? MaskedAccuracy, double? MaskedStandardError)
{
    public static FinalAccuracy Of(ScenarioRoundRow last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return new(last.Accuracy, last.AccuracyStandardError, last.Pairs, last.MaskedAccuracy, last.MaskedAccuracyStandardError);
    }
}
