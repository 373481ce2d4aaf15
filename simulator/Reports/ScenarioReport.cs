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

/// <summary>One variant: the settings it overrode, where its own run's files are, its final accuracy (none when its sites do not train) and its rounds.</summary>
public sealed record VariantReport(
    string Label,
    IReadOnlyDictionary<string, string?> Overrides,
    string OutputDirectory,
    FinalAccuracy? Final,
    IReadOnlyList<ScenarioRoundRow> Rounds,
    SimulatorOptions Settings);

/// <summary>The last round's accuracy with its standard error and the pairs it was measured on.</summary>
public sealed record FinalAccuracy(double Accuracy, double StandardError, int Pairs, double? MaskedAccuracy, double? MaskedStandardError)
{
    /// <summary>The last round's accuracy; null when it was not scored.</summary>
    public static FinalAccuracy? Of(ScenarioRoundRow last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return last is { Accuracy: double accuracy, AccuracyStandardError: double error, Pairs: int pairs }
            ? new(accuracy, error, pairs, last.MaskedAccuracy, last.MaskedAccuracyStandardError)
            : null;
    }

    public override string ToString() => new AccuracyEstimate(Accuracy, Pairs)
        + (MaskedAccuracy is double masked ? $"; masked pairs {new AccuracyEstimate(masked, Pairs)}" : "");
}
