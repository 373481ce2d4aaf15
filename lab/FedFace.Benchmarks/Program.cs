using System.CommandLine;
using System.Text.Json;
using FedFace.CommandLine;
using System.Text.Json.Nodes;
using FedFace.Benchmarks;

// The commands and their flags are in BenchCommandLine, which --help prints.
BenchCommandLine commandLine = BenchCommandLine.Create();
CommandLineOutcome parsed = commandLine.Program.Parse(args, Console.Out, Console.Error);
if (parsed.ExitCode is { } answered)
{
    return answered;
}
ParseResult command = parsed.Result;
if (command.CommandResult.Command == commandLine.Load)
{
    return await FedFace.Benchmarks.Load.LoadCommand.RunAsync(commandLine, command);
}
if (command.CommandResult.Command == commandLine.Reliability)
{
    return await FedFace.Benchmarks.Reliability.ReliabilityCommand.RunAsync(commandLine, command);
}
if (command.CommandResult.Command == commandLine.RobustCost)
{
    return await FedFace.Benchmarks.Robust.RobustCostCommand.RunAsync(command.GetValue(commandLine.RobustCostOut), [10, 100]);
}
if (command.CommandResult.Command == commandLine.LoadAggregator)
{
    return await FedFace.Benchmarks.Load.LoadAggregatorServer.RunAsync(command.UnmatchedTokens);
}
if (command.CommandResult.Command == commandLine.Vision)
{
    return FedFace.Benchmarks.Vision.VisionCommand.Run(commandLine, command);
}
if (command.CommandResult.Command == commandLine.SecureAggregationScale)
{
    return await FedFace.Benchmarks.SecureAggregation.SecureAggregationScaleCommand.RunAsync(commandLine, command);
}
if (command.CommandResult.Command == commandLine.SecureAggregation)
{
    return await FedFace.Benchmarks.SecureAggregation.SecureAggregationCommand.RunAsync(commandLine, command);
}
if (command.CommandResult.Command != commandLine.Spine)
{
    Console.Error.WriteLine(ParseProblems.Line(BenchCommandLine.Name, "which benchmark? spine, vision, secure-aggregation, load, reliability or robust-cost"));
    return ExitCodes.UsageError;
}
string? demoPath = command.GetValue(commandLine.DemoReport), outPath = command.GetValue(commandLine.SpineOut);
string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
outPath ??= Path.Combine(root, "lab", "results", "spine.json");
// Read the demo report first: a wrong path should fail before minutes of measuring, not after.
JsonObject? demo = demoPath is null ? null : DemoReport.Read(demoPath);

// 15 pairs each: medians that hold still on a shared machine, in about a minute of measuring.
const int FoldPairs = 15, TransferPairs = 15, SitesPerRound = 8;
MachineInfo machine = RunInfo.Machine();
Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Dotnet}, load {machine.LoadAverageAtStart}");

(Comparison fold, Steadiness foldSteadiness) = await FoldBenchmark.RunAsync(FoldPairs);
Console.WriteLine(fold.Summary());
GC.Collect(); // the 480 MB of fold updates are garbage now; do not let the transfer pay for them
TransferRun transfer = await TransferBenchmark.RunAsync(SitesPerRound, TransferPairs, CancellationToken.None);
Console.WriteLine(transfer.Download.Summary());
Console.WriteLine(transfer.Upload.Summary());

(string commit, bool dirty) = RunInfo.Commit(root);
double transferRatio = Math.Min(transfer.Download.Ratio, transfer.Upload.Ratio);
const double FoldTarget = 0.5, TransferTarget = 0.7;
var report = new SpineReport(
    Date: DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    Commit: commit,
    Dirty: dirty,
    Machine: machine,
    Method: "Each figure is the median over interleaved pairs (peer, then subject, repeated) taken after warm-up passes that run until "
        + "the JIT has settled. Ratios are subject throughput / peer throughput within a pair, then the median, so load from other "
        + "work on the shared machine largely cancels; absolute MB/s and GB/s move with that load.",
    FoldGbPerS: Round(fold.SubjectThroughput, 2),
    MemcpyGbPerS: Round(fold.PeerThroughput, 2),
    FoldRatioVsMemcpy: Round(fold.Ratio, 3),
    Fold: new FoldDetails(FoldBenchmark.Updates, BenchModel.Parameters, fold.BytesPerRun,
        "Span<float>.CopyTo of the same 100 update arrays into one model-sized destination", fold.Count, foldSteadiness,
        [.. fold.Ratios.Select(r => Round(r, 3))]),
    DownloadMbPerS: Round(transfer.Download.SubjectThroughput, 1),
    UploadMbPerS: Round(transfer.Upload.SubjectThroughput, 1),
    RawTlsDownloadMbPerS: Round(transfer.Download.PeerThroughput, 1),
    RawTlsUploadMbPerS: Round(transfer.Upload.PeerThroughput, 1),
    DownloadRatioVsRawTls: Round(transfer.Download.Ratio, 3),
    UploadRatioVsRawTls: Round(transfer.Upload.Ratio, 3),
    TransferRatioVsRawTls: Round(transferRatio, 3),
    TransferRatioDefinition: "the lower of download_ratio_vs_raw_tls and upload_ratio_vs_raw_tls (each the median of per-pair gRPC MB/s / raw TLS MB/s)",
    Transfer: new TransferDetails(transfer.Sites, transfer.ModelBytes, transfer.Download.BytesPerRun,
        "AggregatorHost (Kestrel, HTTP/2, mutual TLS) on 127.0.0.1; sites download (DownloadModel, SHA-256 checked) then upload (UploadUpdate, "
            + "validated and folded by the coordinator) one after another; MB/s counts tensor data bytes",
        "one SslStream connection on loopback with the same certificates, 1 MiB writes, the reader consuming every byte",
        transfer.TlsProtocol, transfer.TlsCipherSuite, transfer.Download.Count, transfer.Steadiness,
        [.. transfer.Download.Ratios.Select(r => Round(r, 3))], [.. transfer.Upload.Ratios.Select(r => Round(r, 3))]),
    Targets: new Targets(FoldTarget, TransferTarget, fold.Ratio >= FoldTarget, transferRatio >= TransferTarget),
    Demo: demo,
    DemoNote: demo is null ? "no --demo-report given: run ./run-demo.sh and pass its simulation-report.json to embed its figures" : null);

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
var json = new JsonSerializerOptions
{
    WriteIndented = true,
    PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
};
await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, json) + "\n");
Console.WriteLine($"fold {report.FoldGbPerS} GB/s (x{report.FoldRatioVsMemcpy} memcpy, target {FoldTarget}); "
    + $"download {report.DownloadMbPerS} MB/s, upload {report.UploadMbPerS} MB/s (x{report.TransferRatioVsRawTls} raw TLS, target {TransferTarget})");
Console.WriteLine($"wrote {outPath}");
return 0;

static double Round(double value, int digits) => Math.Round(value, digits);
