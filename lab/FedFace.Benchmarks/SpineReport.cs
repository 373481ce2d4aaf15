using System.Text.Json.Nodes;

namespace FedFace.Benchmarks;

/// <summary>lab/results/spine.json, written with snake_case names.</summary>
public sealed record SpineReport(
    string Date,
    string Commit,
    bool Dirty,
    MachineInfo Machine,
    string Method,
    double FoldGbPerS,
    double MemcpyGbPerS,
    double FoldRatioVsMemcpy,
    FoldDetails Fold,
    double DownloadMbPerS,
    double UploadMbPerS,
    double RawTlsDownloadMbPerS,
    double RawTlsUploadMbPerS,
    double DownloadRatioVsRawTls,
    double UploadRatioVsRawTls,
    double TransferRatioVsRawTls,
    string TransferRatioDefinition,
    TransferDetails Transfer,
    Targets Targets,
    JsonObject? Demo,
    string? DemoNote);

public sealed record FoldDetails(int Updates, long ParametersPerUpdate, long BytesPerPass, string Peer, int Pairs, Steadiness Steadiness, double[] RatioPerPair);

public sealed record TransferDetails(int SitesPerRound, long ModelBytes, long BytesPerDirectionPerPair, string Aggregator, string Peer,
    string TlsProtocol, string TlsCipherSuite, int Pairs, Steadiness Steadiness, double[] DownloadRatioPerPair, double[] UploadRatioPerPair);

public sealed record Targets(double FoldRatioVsMemcpy, double TransferRatioVsRawTls, bool FoldMet, bool TransferMet);
