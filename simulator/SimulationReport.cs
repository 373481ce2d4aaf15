using FedFace.Evaluation;

namespace FedFace.Simulator;

/// <summary>One line of the per-round table: what the operator tunes against.</summary>
public sealed record RoundRow(
    long Round,
    long ModelVersion,
    bool Committed,
    int SitesSampled,
    int SitesAnswered,
    double? MeanLocalLoss,
    double Accuracy,
    double AccuracyStd,
    /// <summary>With the second face of every held-out pair masked (null unless --masked-eval).</summary>
    double? MaskedAccuracy,
    double? MaskedAccuracyStd,
    double RoundSeconds,
    double EvalSeconds,
    /// <summary>With differential privacy: ε spent by the federation after this round, at the report's δ (null without).</summary>
    double? Epsilon = null,
    /// <summary>A secure round's sites sampled, then those that answered each stage (keys, shares, masked input, consistency check, unmask), e.g. "4→4→4→3→3→3"; null for a plain round.</summary>
    string? SecureSurvivors = null,
    /// <summary>How many global models the scored one is the mean of (--average-last, last round only); 1 = its own step.</summary>
    int AveragedModels = 1,
    /// <summary>The change since round 0 on the same pairs, with its paired standard error (null for round 0).</summary>
    PairedAccuracyChange? UnmaskedChange = null,
    PairedAccuracyChange? MaskedChange = null);

/// <param name="MaskedFaces">Faces the site's cameras saw masked (--masked-sites).</param>
/// <param name="GreyFaces">Faces the site's cameras saw in greyscale (--greyscale-sites).</param>
public sealed record SiteRow(string SiteId, int People, int Faces, int SkippedNoFace, int Unreadable, int MaskedFaces = 0, int GreyFaces = 0);

/// <summary>The machine-readable result of a simulated federation (written as JSON).</summary>
/// <param name="EngineRounds">The engine's figures for each round (wall and work time, overhead and CPU per site); empty when worker processes ran the sites.</param>
public sealed record SimulationReport(
    SimulatorOptions Settings,
    FedFace.Core.Aggregation.ServerOptimizerSettings ServerOptimizer,
    FedFace.Core.Privacy.DifferentialPrivacySettings DifferentialPrivacy,
    string Machine,
    string StartedAtUtc,
    IReadOnlyList<SiteRow> Sites,
    int ScoringPairs,
    int ScoringPairsDropped,
    IReadOnlyList<RoundRow> Rounds,
    IReadOnlyList<FedFace.Simulator.VirtualSites.EngineRound> EngineRounds,
    double PreparationSeconds,
    double TotalSeconds);
