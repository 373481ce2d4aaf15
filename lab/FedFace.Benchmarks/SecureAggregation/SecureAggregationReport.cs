using System.Text.Json.Serialization;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>lab/results/secure-aggregation.json, written with snake_case names (dictionary keys as they are).</summary>
public sealed record SecureAggregationReport(
    string Date,
    string Commit,
    bool Dirty,
    MachineInfo Machine,
    string Method,
    Dictionary<string, double> MaxAbsErrorVsPlain,
    Dictionary<string, double> ErrorBound,
    Dictionary<string, int> Dimension,
    string ErrorBoundDefinition,
    DropoutFigures DropoutRateSurvived,
    ClientMaskFigures ClientMaskMs,
    [property: JsonPropertyName("server_unmask_ms_100_sites")] double ServerUnmaskMs100Sites,
    string ServerUnmaskDefinition,
    double WireExpansion,
    string WireExpansionDefinition,
    [property: JsonPropertyName("round_overhead_ratio_100_sites")] OverheadFigures RoundOverheadRatio100Sites,
    [property: JsonPropertyName("round_overhead_ratio_100_sites_wire")] WireRoundFigures RoundOverheadRatio100SitesWire,
    double PrgRatioVsKeystream,
    PrgFigures Prg,
    Dictionary<string, RoundFigures> Runs);

public sealed record DropoutFigures(double Rate, bool Survived, Dictionary<string, bool> ExactSumEqualBySites, string Definition);

public sealed record ClientMaskFigures(double Median, int Dimension, int NeighbourCount, int Threshold, int MaskThreads, double EncodeMedian,
    double AllStagesMedian, string Definition);

public sealed record OverheadFigures(double ServerOnly, double ServerPlusOneSite, double ServerMs, double OneSiteMs, double PlainFedAvgFoldMs,
    double ServerOnlyWithoutDropout, double Target, bool Met, string Definition);
