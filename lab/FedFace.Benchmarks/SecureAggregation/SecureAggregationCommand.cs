using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FedFace.Core.SecureAggregation;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>fedface-bench secure-aggregation (flags: <see cref="BenchCommandLine.SecureAggregation"/>): runs
/// <see cref="SecureAggregationBenchmark"/> and writes lab/results/secure-aggregation.json.</summary>
public static class SecureAggregationCommand
{
    public static async Task<int> RunAsync(BenchCommandLine commandLine, ParseResult command)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(command);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = command.GetValue(commandLine.SecureAggregationOut) ?? Path.Combine(root, "lab", "results", "secure-aggregation.json");
        int prgPairs = command.GetValue(commandLine.PrgPairs) ?? 9, largeDimension = command.GetValue(commandLine.LargeDimension) ?? 20_000;
        int wireSites = command.GetValue(commandLine.WireSites) ?? 100;

        MachineInfo machine = RunInfo.Machine();
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Dotnet}, load {machine.LoadAverageAtStart}");
        (PrgFigures prg, Dictionary<string, RoundFigures> runs) = await SecureAggregationBenchmark.RunAsync(prgPairs, largeDimension);
        GC.Collect();
        WireRoundFigures wire = await WireRoundBenchmark.RunAsync(wireSites, dropoutRate: 0.1, CancellationToken.None);
        (string commit, bool dirty) = RunInfo.Commit(root);
        SecureAggregationReport report = Report(machine, commit, dirty, prg, runs, wire);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, ReportJson.Options) + "\n");
        PrintSummary(report);
        Console.WriteLine($"wrote {outPath}");
        return report.DropoutRateSurvived.Survived ? 0 : 1;
    }

    private static SecureAggregationReport Report(MachineInfo machine, string commit, bool dirty, PrgFigures prg, Dictionary<string, RoundFigures> runs,
        WireRoundFigures wire)
    {
        RoundFigures hundred = runs["100"];
        double oneSiteMs = hundred.ClientAllStagesMsMedian;
        double serverOnly = hundred.ServerMs / hundred.PlainFedAvgFoldMs;
        RoundFigures noDropout = runs[SecureAggregationBenchmark.NoDropoutRun];
        Dictionary<string, bool> exactByRun = SecureAggregationBenchmark.DropoutRuns.ToDictionary(r => r, r => runs[r].ExactSumEqual);
        Dictionary<string, RoundFigures> bySites = SecureAggregationBenchmark.SiteCountRuns.ToDictionary(r => r, r => runs[r]);
        return new SecureAggregationReport(
            Date: DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Commit: commit,
            Dirty: dirty,
            Machine: machine,
            Method: "Every round runs SecAggServer and one SecAggClient per site in this process through InProcessSecAggRound: every message crosses as its "
                + "ToBytes/FromBytes form and is counted. Deltas are synthetic, uniform in ±0.01 (coordinate bound 0.01, clip norm 1e4: nothing is clipped), "
                + $"weights uniform in [50, {SecAggBenchRound.MaxWeightPerSite}] (MaxWeightPerSite {SecAggBenchRound.MaxWeightPerSite}). The plain reference "
                + "folds the same deltas of the same contributing sites with FedAvgAccumulator (float32). k and t come from NeighbourhoodRule "
                + $"(dropout tolerance {SecAggBenchRound.Settings.DropoutTolerance:P0}, failure target 2^-20). Times are single measurements on a shared 2-core machine.",
            MaxAbsErrorVsPlain: bySites.ToDictionary(r => r.Key, r => r.Value.MaxAbsErrorVsPlain),
            ErrorBound: bySites.ToDictionary(r => r.Key, r => r.Value.ErrorBound),
            Dimension: bySites.ToDictionary(r => r.Key, r => r.Value.Dimension),
            ErrorBoundDefinition: "per coordinate of the weighted mean, worst case: one quantization step CoordinateBound / L with L = floor((2^31 - 1) / (sites x "
                + "MaxWeightPerSite)); stochastic rounding moves each site's coordinate by less than a step, and a weighted mean of such errors stays below it",
            DropoutRateSurvived: new DropoutFigures(SecureAggregationBenchmark.DropoutRate, exactByRun.Values.All(e => e), exactByRun,
                "a third of the rate drops after advertising keys, a third after sharing keys, a third after sending its masked input; survived = the "
                + "round completed and its integer sum equals, exactly, the sum of the contributors' encoded (quantized, weighted) vectors"),
            ClientMaskMs: new ClientMaskFigures(hundred.ClientMaskMsMedian, hundred.Dimension, hundred.NeighbourCount, hundred.Threshold, Environment.ProcessorCount,
                hundred.ClientEncodeMsMedian, hundred.ClientAllStagesMsMedian,
                "median over the 100-site round's full participants of SecAggClient.MaskInput: decrypt k share pairs, k X25519 agreements, expand and add "
                + "k + 1 masks of 1.2M words (both cores), SHA-256 and ECDSA signature; encode (clip + stochastic quantization) and all five stages reported beside it"),
            ServerUnmaskMs100Sites: hundred.ServerMsPerStage[nameof(SecAggStage.Unmask)],
            ServerUnmaskDefinition: "100 sites, 10 of them dropping after sharing keys: the unmask stage on the server — receive 90 sites' revealed shares, rebuild 90 "
                + "self-mask seeds and 10 mask keys, regenerate and remove every self mask and every pairwise mask a survivor shared with a dropped site, decode",
            WireExpansion: hundred.WireExpansion,
            WireExpansionDefinition: "bytes the median full participant of the 100-site round sends over all five stages (serialised messages) / 4 x 1.2M "
                + "bytes of a plain float32 upload of the same delta; the masked vector is one uint32 per element plus the weight",
            RoundOverheadRatio100Sites: new OverheadFigures(Math.Round(serverOnly, 2), Math.Round((hundred.ServerMs + oneSiteMs) / hundred.PlainFedAvgFoldMs, 2),
                hundred.ServerMs, oneSiteMs, hundred.PlainFedAvgFoldMs, Math.Round(noDropout.ServerMs / noDropout.PlainFedAvgFoldMs, 2),
                SecureAggregationBenchmark.OverheadTarget, serverOnly <= SecureAggregationBenchmark.OverheadTarget,
                "server_only = server compute of the secure round (all five stages: verifying, routing, folding masked inputs, unmasking) / plain FedAvg fold "
                + "(FedAvgAccumulator.Fold) of the same contributors' deltas; server_plus_one_site adds the median site's compute over all stages (sites work in "
                + "parallel, so one site's time is on the round's critical path); server_only_without_dropout is server_only for the same 100 sites with "
                + "nobody dropping (runs[\"100-no-dropout\"]). Local training, which dwarfs both, is not counted."),
            RoundOverheadRatio100SitesWire: wire,
            PrgRatioVsKeystream: prg.RatioVsRawKeystream,
            Prg: prg,
            Runs: runs);
    }

    private static void PrintSummary(SecureAggregationReport report)
    {
        Console.WriteLine();
        foreach ((string sites, double error) in report.MaxAbsErrorVsPlain)
            Console.WriteLine($"{sites,5} sites x {report.Dimension[sites],9:N0}: max |secure - plain FedAvg| {error:g3} (bound {report.ErrorBound[sites]:g3})");
        Console.WriteLine($"30% dropout spread over the stages: {(report.DropoutRateSurvived.Survived ? "survived, exact sums" : "FAILED")} "
            + $"({string.Join(", ", report.DropoutRateSurvived.ExactSumEqualBySites.Select(e => $"{e.Key} sites: {(e.Value ? "exact" : "wrong")}"))})");
        ClientMaskFigures client = report.ClientMaskMs;
        Console.WriteLine($"site masking of 1.2M elements with k = {client.NeighbourCount}: {client.Median} ms (encode {client.EncodeMedian} ms, all stages {client.AllStagesMedian} ms)");
        Console.WriteLine($"server unmask, 100 sites, 10% dropout: {report.ServerUnmaskMs100Sites} ms");
        Console.WriteLine($"wire expansion: x{report.WireExpansion} a plain float32 upload");
        RoundFigures hundred = report.Runs["100"];
        Console.WriteLine($"consistency check, 100 sites: round time x{hundred.ConsistencyCheckRoundTimeRatio} with it vs without (server "
            + $"{hundred.ConsistencyCheckServerMs} ms, median site {hundred.ConsistencyCheckSiteMsMedian} ms for {hundred.SignatureQuorum} signatures)");
        OverheadFigures overhead = report.RoundOverheadRatio100Sites;
        Console.WriteLine($"round overhead, 100 sites: server x{overhead.ServerOnly} plain fold ({overhead.ServerMs} ms vs {overhead.PlainFedAvgFoldMs} ms), "
            + $"with one site x{overhead.ServerPlusOneSite}; without dropout x{overhead.ServerOnlyWithoutDropout} (target {overhead.Target}: {(overhead.Met ? "met" : "not met")})");
        WireRoundFigures wire = report.RoundOverheadRatio100SitesWire;
        Console.WriteLine($"round over the wire, {wire.Sites} sites, {wire.SitesLeavingBeforeMaskedInput} leaving: secure {wire.SecureRoundSeconds} s vs plain "
            + $"{wire.PlainRoundSeconds} s = x{wire.Ratio} (CPU {wire.SecureCpuSeconds} s vs {wire.PlainCpuSeconds} s); max |secure - plain| {wire.MaxAbsDifferenceVsPlain:g3} (bound {wire.ErrorBound:g3})");
        Console.WriteLine($"PRG: mask expansion {report.Prg.MaskExpansionGbPerS} GB/s = x{report.PrgRatioVsKeystream} raw AES-CTR keystream "
            + $"({report.Prg.RawKeystreamGbPerS} GB/s), x{report.Prg.RatioVsStockCounterMode} BouncyCastle SicBlockCipher ({report.Prg.StockCounterModeGbPerS} GB/s)");
    }
}
