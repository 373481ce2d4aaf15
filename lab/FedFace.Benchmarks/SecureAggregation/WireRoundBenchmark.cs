using System.Collections.Concurrent;
using System.Diagnostics;
using FedFace.Aggregator;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core;
using FedFace.Core.SecureAggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// One plain and one secure round through the real aggregator (AggregatorHost: Kestrel, HTTP/2, mutual TLS, the round
/// coordinator) on 127.0.0.1, each with the same synthetic sites that do not train: every site sends the same 1.2M-element
/// delta (BenchModel) with its own weight, plainly (UploadUpdate) or through SecAggParticipant, the edge client's path.
/// In the secure round a share of the sites leaves (SecAggLeave) just before the masked-input stage, after sharing keys:
/// the costly case for the aggregator, which must rebuild their mask keys and remove their pairwise masks.
/// </summary>
public static class WireRoundBenchmark
{
    /// <summary>Stage deadlines far beyond the round's length: every stage closes because everyone answered or left.</summary>
    private const int DeadlineSeconds = 900;

    /// <summary>Round 1 warms up (connections, JIT); round 2 is measured.</summary>
    private const int MeasuredRound = 2;

    public static async Task<WireRoundFigures> RunAsync(int sites, double dropoutRate, CancellationToken cancellationToken)
    {
        ModelState initial = BenchModel.Create(seed: 0);
        using var federation = new BenchFederation(sites, initial);
        ModelState delta = BenchModel.Create(seed: 1);
        int dropped = (int)Math.Round(dropoutRate * sites);
        var leaving = federation.SiteIds.TakeLast(dropped).ToHashSet(StringComparer.Ordinal);

        Console.WriteLine($"Over the wire: {sites} synthetic sites x {delta.ParameterCount:N0} elements, a plain round, then a secure round with {dropped} sites leaving before the masked input");
        WireRound plain = await RoundAsync(federation, initial, delta, secure: null, new HashSet<string>(), cancellationToken);
        Console.WriteLine($"  plain:  {plain.Summary.Seconds:F2} s from open to commit, {plain.CpuSeconds:F1} CPU s");
        GC.Collect();
        WireRound secure = await RoundAsync(federation, initial, delta, SecureSettings(), leaving, cancellationToken);
        Console.WriteLine($"  secure: {secure.Summary.Seconds:F2} s from open to commit, {secure.CpuSeconds:F1} CPU s, stages {secure.Summary.SecureAggregation?.Survivors}");
        return Figures(plain, secure, sites, dropped);
    }

    /// <summary>Like the in-process runs: deltas within ±0.01, so nothing is clipped and the only difference from plain FedAvg is quantization.</summary>
    private static SecureAggregationOptions SecureSettings() => new()
    {
        Enabled = true,
        ClipNorm = SecAggBenchRound.Settings.ClipNorm,
        CoordinateBound = SecAggBenchRound.Settings.CoordinateBound,
        MaxWeightPerSite = SecAggBenchRound.Settings.MaxWeightPerSite,
        AdvertiseKeysSeconds = DeadlineSeconds,
        ShareKeysSeconds = DeadlineSeconds,
        ConsistencyCheckSeconds = DeadlineSeconds,
        UnmaskSeconds = DeadlineSeconds,
    };

    /// <summary>
    /// A fresh aggregator runs round 1 as a warm-up (connections, JIT; every site takes part) and round 2, the one measured,
    /// in which the <paramref name="leaving"/> sites leave. Every site is pre-joined, so both rounds sample them all.
    /// </summary>
    private static async Task<WireRound> RoundAsync(BenchFederation federation, ModelState initial, ModelState delta, SecureAggregationOptions? secure,
        IReadOnlySet<string> leaving, CancellationToken cancellationToken)
    {
        using ILoggerFactory quiet = LoggerFactory.Create(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Error));
        var rounds = new FinishedRounds();
        WebApplication app = federation.BuildAggregator(secure is null ? "plain-state" : "secure-state", LogLevel.Error, options =>
        {
            options.MinSites = federation.SiteIds.Count - leaving.Count; // the quorum the staying sites meet
            options.TotalRounds = MeasuredRound;
            options.RoundDeadlineSeconds = 2 * DeadlineSeconds + 60;
            options.WaitRetryMilliseconds = 50;
            options.SecureAggregation = secure ?? new SecureAggregationOptions();
        }, services => services.AddSingleton<IRoundObserver>(rounds));
        await using (app)
        {
            federation.PreJoinSites(app);
            await app.StartAsync(cancellationToken);
            AggregatorConnection[] connections = federation.Connect(app, quiet);
            ResiliencePipeline retry = TransientFaults.CreatePipeline(new RetrySettings(), quiet.CreateLogger("bench"));
            try
            {
                await Task.WhenAll(connections.Select(async (connection, i) =>
                {
                    for (int round = 1; round <= MeasuredRound; round++)
                    {
                        RoundTask task = await TransferBenchmark.NextTaskAsync(connection.Client, cancellationToken);
                        bool leaves = task.Round == MeasuredRound && leaving.Contains(connection.SiteId);
                        await (secure is null
                            ? SendPlainAsync(connection, task, delta, Weight(i), cancellationToken)
                            : SendSecureAsync(connection, task, initial, delta, Weight(i), leaves, retry, quiet.CreateLogger("bench"), cancellationToken));
                    }
                }));
                FinishedRound measured = await rounds.Of(MeasuredRound).WaitAsync(TimeSpan.FromSeconds(3 * DeadlineSeconds), cancellationToken);
                if (!measured.Summary.Committed)
                {
                    throw new InvalidOperationException($"the {(secure is null ? "plain" : "secure")} round did not commit: {measured.Summary.Outcome}");
                }
                double cpuSeconds = (measured.ProcessCpu - (await rounds.Of(MeasuredRound - 1)).ProcessCpu).TotalSeconds;
                return new WireRound(measured.Summary, measured.Model, cpuSeconds);
            }
            finally
            {
                Array.ForEach(connections, c => c.Dispose());
                await app.StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Different weights per site, within the secure round's maximum.</summary>
    private static long Weight(int site) => 50 + site * 37 % (SecAggBenchRound.MaxWeightPerSite - 49);

    private static async Task SendPlainAsync(AggregatorConnection connection, RoundTask task, ModelState delta, long weight, CancellationToken cancellationToken)
    {
        UploadReply reply = await ModelTransfer.UploadAsync(connection.Client, ModelTransfer.HeaderFor(task, delta, weight), delta, cancellationToken);
        if (!reply.Accepted)
        {
            throw new InvalidOperationException($"{connection.SiteId}'s update was rejected: {reply.Rejection}: {reply.Reason}");
        }
    }

    private static async Task SendSecureAsync(AggregatorConnection connection, RoundTask task, ModelState global, ModelState delta, long weight, bool leaves,
        ResiliencePipeline retry, ILogger logger, CancellationToken cancellationToken)
    {
        await using SecAggParticipant participant = SecAggParticipant.Start(task, connection, retry, logger,
            leaves ? new LeaveBefore(SecAggStage.MaskedInput, connection) : null, cancellationToken: cancellationToken);
        try
        {
            SecAggEnd end = await participant.ContributeAsync(global, ProtectedUpdate.For(task, delta, weight), cancellationToken);
            if (!end.InputIncluded)
            {
                throw new InvalidOperationException($"{connection.SiteId}: {end.Description}");
            }
        }
        catch (SiteLeft)
        {
            // as planned
        }
    }

    private static WireRoundFigures Figures(WireRound plain, WireRound secure, int sites, int dropped)
    {
        // Every site sends the same delta, so every round's weighted mean is that delta: after the same rounds the models differ by
        // quantization only, at most one step a secure round.
        double maxDifference = plain.Model.Tensors.Max(t => t.Values.Select((v, i) => Math.Abs((double)v - secure.Model[t.Name].Values[i])).Max());
        double bound = MeasuredRound * SecureSettings().CoordinateBound / (int.MaxValue / (sites * SecureSettings().MaxWeightPerSite));
        return new WireRoundFigures(
            Ratio: Math.Round(secure.Summary.Seconds / plain.Summary.Seconds, 2),
            PlainRoundSeconds: Math.Round(plain.Summary.Seconds, 2),
            SecureRoundSeconds: Math.Round(secure.Summary.Seconds, 2),
            Sites: sites,
            SitesLeavingBeforeMaskedInput: dropped,
            Contributors: secure.Summary.AcceptedSites.Count,
            SecureStagesAnswered: secure.Summary.SecureAggregation?.Survivors ?? "",
            NeighbourCount: secure.Summary.SecureAggregation?.NeighbourCount ?? 0,
            Threshold: secure.Summary.SecureAggregation?.Threshold ?? 0,
            PlainCpuSeconds: Math.Round(plain.CpuSeconds, 1),
            SecureCpuSeconds: Math.Round(secure.CpuSeconds, 1),
            MaxAbsDifferenceVsPlain: maxDifference,
            ErrorBound: bound,
            Definition: $"secure_round_seconds / plain_round_seconds, each from round open to commit as the aggregator measures it (RoundSummary.Seconds: "
                + "sampling, every site's task, upload or all four SecAgg+ stages, FedAvg or unmasking, checkpoint), of the second round of a fresh aggregator "
                + $"(the first, with every site, warms up connections and JIT). {sites} synthetic sites in this process, "
                + "each its own mutual-TLS gRPC connection to a real aggregator on loopback; no training and no model download (sites already hold the "
                + "model): each sends the same 1.2M-element delta (BenchModel) with its own weight. Secure round: k and t from NeighbourhoodRule at 30% "
                + $"tolerance; {dropped} sites leave (SecAggLeave) after sharing keys, so the aggregator rebuilds their mask keys and removes their masks. "
                + "Sites and aggregator share this machine's cores: every site's masking (k + 1 mask expansions of 1.2M words) runs here, on the round's "
                + "path, where a real federation would spread it over the sites' own machines; cpu_seconds is this process's CPU time over the measured round. "
                + "A site that vanished silently instead of leaving would add the stage's deadline. max_abs_difference_vs_plain compares the two "
                + "aggregators' models after both rounds: every site sends the same delta, so they differ by quantization only (error_bound: one step "
                + "a secure round). One measurement each, same run, shared 2-core machine.");
    }

    private sealed record WireRound(RoundSummary Summary, ModelState Model, double CpuSeconds);

    private sealed record FinishedRound(RoundSummary Summary, ModelState Model, TimeSpan ProcessCpu);

    /// <summary>Each round's summary, model and this process's CPU time so far, as the round finishes.</summary>
    private sealed class FinishedRounds : IRoundObserver
    {
        private readonly ConcurrentDictionary<long, TaskCompletionSource<FinishedRound>> _rounds = new();

        public Task<FinishedRound> Of(long round) => Slot(round).Task;

        public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            Slot(summary.Round).TrySetResult(new FinishedRound(summary, globalModel, Process.GetCurrentProcess().TotalProcessorTime));
            return Task.CompletedTask;
        }

        private TaskCompletionSource<FinishedRound> Slot(long round) =>
            _rounds.GetOrAdd(round, _ => new TaskCompletionSource<FinishedRound>(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>The site tells the aggregator it leaves, then stops, just before answering <paramref name="stage"/>.</summary>
    private sealed class LeaveBefore(SecAggStage stage, AggregatorConnection connection) : ISecAggStageObserver
    {
        public async ValueTask BeforeStageAsync(string siteId, long round, SecAggStage current, CancellationToken cancellationToken)
        {
            if (current == stage)
            {
                await connection.SecAgg.SecAggLeaveAsync(new SecAggLeaveRequest { ProtocolVersion = WireProtocol.Version, Round = round, Reason = "benchmark dropout" },
                    cancellationToken: cancellationToken);
                throw new SiteLeft();
            }
        }
    }

    private sealed class SiteLeft : Exception;
}

public sealed record WireRoundFigures(double Ratio, double PlainRoundSeconds, double SecureRoundSeconds, int Sites, int SitesLeavingBeforeMaskedInput,
    int Contributors, string SecureStagesAnswered, int NeighbourCount, int Threshold, double PlainCpuSeconds, double SecureCpuSeconds,
    double MaxAbsDifferenceVsPlain, double ErrorBound, string Definition);
