namespace FedFace.Simulator.Experiments;

/// <summary>One curve of an experiment's plot: held-out accuracy after each round (round 0 = the starting model).</summary>
public sealed record AccuracyCurve(string Name, IReadOnlyList<RoundAccuracy> Points);

public sealed record RoundAccuracy(double Round, double Accuracy);

/// <summary>One training of an experiment (a federation or the centralized baseline) and how long it took.</summary>
public sealed record ExperimentRun(string Name, string Kind, double Seconds, string? ReportPath, double FinalAccuracy, double? FinalMaskedAccuracy);

/// <summary>
/// The machine-readable result of an experiment (written as runs/&lt;name&gt;/&lt;name&gt;-report.json): the headline
/// figures under their results-file keys, whether the goal was met, every curve and run, the settings.
/// Accuracies are fractions in [0, 1].
/// </summary>
public sealed record ExperimentReport(
    string Name,
    bool Quick,
    string Protocol,
    string Machine,
    string StartedAtUtc,
    IReadOnlyDictionary<string, double?> Figures,
    string Goal,
    bool GoalMet,
    IReadOnlyList<AccuracyCurve> Curves,
    IReadOnlyList<ExperimentRun> Runs,
    IReadOnlyList<SiteRow> Sites,
    int ScoringPairs,
    SimulatorOptions Settings,
    object CentralizedTraining,
    double PreparationSeconds,
    double TotalSeconds);
