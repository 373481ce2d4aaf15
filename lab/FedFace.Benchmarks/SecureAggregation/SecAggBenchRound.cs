using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.SecureAggregation;
using FedFace.Testing;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>One measured round: how many sites, how long the vectors are, which fraction drops before each stage.</summary>
/// <param name="MaskThreads">each site's mask-expansion threads (0: one per core).</param>
/// <param name="ServerThreads">the server's threads for unmasking (0: one per core).</param>
public sealed record RoundPlan(int Sites, int Dimension, IReadOnlyDictionary<SecAggStage, double> DropoutBeforeStage, int ClientParallelism, int MaskThreads, int Seed,
    int ServerThreads = 0)
{
    public static IReadOnlyDictionary<SecAggStage, double> Spread(double rate) => new Dictionary<SecAggStage, double>
    {
        [SecAggStage.ShareKeys] = rate / 3,   // after advertising keys
        [SecAggStage.MaskedInput] = rate / 3, // after sharing keys
        [SecAggStage.Unmask] = rate / 3,      // after sending the masked input
    };
}

/// <summary>
/// Runs one whole SecAgg+ round in process (<see cref="InProcessSecAggRound"/>, every message through its
/// bytes) on synthetic deltas, folds the same deltas of the same sites with plain float FedAvg
/// (<see cref="FedAvgAccumulator"/>) as the reference, and checks the secure integer sum against the sum of
/// the contributors' encoded vectors.
/// </summary>
public static class SecAggBenchRound
{
    /// <summary>Deltas are uniform in ±DeltaMagnitude; the coordinate bound equals it, so nothing is clipped
    /// and the whole difference from plain FedAvg is quantization (and float rounding).</summary>
    public const float DeltaMagnitude = 0.01f;
    public const long MaxWeightPerSite = 500;
    private const int MinWeight = 50;

    public static SecAggSettings Settings { get; } = new()
    {
        ClipNorm = 1e4,
        CoordinateBound = DeltaMagnitude,
        MaxWeightPerSite = MaxWeightPerSite,
    };

    public static RoundFigures Run(RoundPlan plan)
    {
        string[] sites = [.. Enumerable.Range(1, plan.Sites).Select(i => $"site-{i:D4}")];
        Dictionary<string, ECDsa> keys = sites.ToDictionary(s => s, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256), StringComparer.Ordinal);
        try
        {
            return Run(plan, sites, keys);
        }
        finally
        {
            foreach (ECDsa key in keys.Values) key.Dispose();
        }
    }

    private static RoundFigures Run(RoundPlan plan, string[] sites, Dictionary<string, ECDsa> keys)
    {
        long wallStart = Stopwatch.GetTimestamp();
        RoundConfiguration configuration = RoundConfiguration.Create(plan.Seed, sites, plan.Dimension, Settings);
        var runner = new InProcessSecAggRound(configuration, new SiteKeyRing(keys),
            keys.ToDictionary(e => e.Key, e => SiteKeyRing.Signer(e.Value), StringComparer.Ordinal), new MaskExpander(plan.MaskThreads),
            new MaskExpander(plan.ServerThreads))
        {
            ClientParallelism = plan.ClientParallelism,
        };
        Dictionary<SecAggStage, int> dropped = PlanDropouts(plan, configuration, runner);
        var random = new Random(plan.Seed);
        Dictionary<string, int> weights = sites.ToDictionary(s => s, _ => random.Next(MinWeight, (int)MaxWeightPerSite + 1), StringComparer.Ordinal);

        var quantizer = new InputQuantizer(configuration);
        uint[] expected = new uint[configuration.MaskedLength];
        var plain = new FedAvgAccumulator(new ModelState([NamedTensor.Zeros("delta", [plan.Dimension])]));
        Dictionary<string, int> deltaSeeds = sites.Select((site, index) => (site, index)).ToDictionary(p => p.site, p => plan.Seed * 100_003 + p.index, StringComparer.Ordinal);
        var encodeSeconds = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        double plainFoldSeconds = 0;
        var gate = new object();
        uint[] EncodedInput(string site)
        {
            float[] delta = SyntheticDelta(deltaSeeds[site], plan.Dimension);
            long start = Stopwatch.GetTimestamp();
            uint[] encoded = quantizer.Encode(delta, weights[site]);
            encodeSeconds[site] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            lock (gate)
            {
                for (int i = 0; i < expected.Length; i++) expected[i] += encoded[i];
                long foldStart = Stopwatch.GetTimestamp();
                plain.Fold(new ModelState([new NamedTensor("delta", [plan.Dimension], delta)]), weights[site]);
                plainFoldSeconds += Stopwatch.GetElapsedTime(foldStart).TotalSeconds;
            }
            return encoded;
        }

        SecAggRoundReport report = runner.Run(EncodedInput);
        double quorumCheckSeconds = QuorumCheckSeconds(keys, configuration.SignatureQuorum);
        SecAggResult result = report.Result;
        bool exact = result.TotalWeight == unchecked((int)expected[^1])
            && result.QuantizedWeightedSum.AsSpan().SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<uint, int>(expected.AsSpan(0, plan.Dimension)));
        float[] secureMean = result.WeightedMean();
        float[] plainMean = plain.WeightedMean()["delta"].Values;
        double maxError = 0;
        for (int i = 0; i < plainMean.Length; i++) maxError = Math.Max(maxError, Math.Abs((double)secureMean[i] - plainMean[i]));

        RoundFigures figures = Figures(plan, configuration, report, dropped, exact, maxError, plainFoldSeconds, encodeSeconds, quorumCheckSeconds,
            Stopwatch.GetElapsedTime(wallStart).TotalSeconds);
        return figures with
        {
            Unmask = runner.Server.UnmaskCosts,
            UnmaskCloseCpuSeconds = report.CloseCpuSeconds[SecAggStage.Unmask],
            RequiredKeystreamBytes = RequiredKeystream.Bytes(configuration, report),
        };
    }

    /// <summary>
    /// What checking the unmask request's signatures costs a site (inside its unmask stage): verifying a quorum of ECDSA
    /// P-256 signatures by distinct sites, timed here on as many of the round's keys (the cost does not depend on what
    /// was signed).
    /// </summary>
    private static double QuorumCheckSeconds(Dictionary<string, ECDsa> keys, int quorum)
    {
        byte[] payload = RandomNumberGenerator.GetBytes(256);
        var ring = new SiteKeyRing(keys);
        (string Site, byte[] Signature)[] signed = [.. keys.Take(quorum).Select(e => (e.Key, SiteKeyRing.Signer(e.Value)(payload)))];
        long start = Stopwatch.GetTimestamp();
        foreach ((string site, byte[] signature) in signed)
        {
            if (!ring.Verify(site, payload, signature, out string reason)) throw new InvalidOperationException(reason);
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static RoundFigures Figures(RoundPlan plan, RoundConfiguration configuration, SecAggRoundReport report, Dictionary<SecAggStage, int> dropped,
        bool exact, double maxError, double plainFoldSeconds, IReadOnlyDictionary<string, double> encodeSeconds, double quorumCheckSeconds, double wallSeconds)
    {
        // The typical full participant: the median, by bytes sent, of the sites that answered all five stages.
        string[] complete = [.. report.Result.Contributors.Where(s => report.SiteCosts.ContainsKey((s, SecAggStage.Unmask)))];
        string typical = complete.OrderBy(report.BytesSentBy).ThenBy(s => s, StringComparer.Ordinal).ElementAt(complete.Length / 2);
        SecAggStage[] stages = [SecAggStage.AdvertiseKeys, SecAggStage.ShareKeys, SecAggStage.MaskedInput, SecAggStage.ConsistencyCheck, SecAggStage.Unmask];
        double Median(IEnumerable<double> values) => Comparison.Median(values);
        double[] maskSeconds = [.. complete.Select(s => report.SiteCosts[(s, SecAggStage.MaskedInput)].Seconds)];
        double[] clientSeconds = [.. complete.Select(s => stages.Sum(stage => report.SiteCosts[(s, stage)].Seconds) + encodeSeconds[s])];
        double serverSeconds = report.ServerSeconds.Values.Sum();
        long sent = report.BytesSentBy(typical);
        // The round's critical path as the overhead ratio counts it (server + one median site, sites in parallel), with and
        // without the consistency check's work: the server's stage 3, a site's stage 3 (one signature) and the quorum check.
        double checkServerSeconds = report.ServerSeconds[SecAggStage.ConsistencyCheck];
        double checkSiteSeconds = Median(complete.Select(s => report.SiteCosts[(s, SecAggStage.ConsistencyCheck)].Seconds)) + quorumCheckSeconds;
        double roundSeconds = serverSeconds + Median(clientSeconds);
        return new RoundFigures(
            Sites: plan.Sites,
            Dimension: plan.Dimension,
            NeighbourCount: configuration.NeighbourCount,
            Threshold: configuration.Threshold,
            QuantizationLevels: configuration.QuantizationLevels,
            ErrorBound: configuration.ErrorBound,
            MaxAbsErrorVsPlain: maxError,
            ExactSumEqual: exact,
            Contributors: report.Result.Contributors.Count,
            DroppedBeforeStage: dropped.ToDictionary(e => e.Key.ToString(), e => e.Value),
            Refusals: report.Refusals.Count,
            Rejections: report.Rejections.Count,
            ServerMs: Ms(serverSeconds),
            ServerMsPerStage: report.ServerSeconds.ToDictionary(e => e.Key.ToString(), e => Ms(e.Value)),
            PlainFedAvgFoldMs: Ms(plainFoldSeconds),
            ClientEncodeMsMedian: Ms(Median(complete.Select(s => encodeSeconds[s]))),
            ClientMaskMsMedian: Ms(Median(maskSeconds)),
            ClientAllStagesMsMedian: Ms(Median(clientSeconds)),
            TypicalSiteBytesSentPerStage: stages.ToDictionary(s => s.ToString(), s => report.SiteCosts[(typical, s)].BytesSent),
            TypicalSiteBytesReceivedPerStage: stages.ToDictionary(s => s.ToString(), s => report.SiteCosts[(typical, s)].BytesReceived),
            TypicalSiteBytesSent: sent,
            PlainFloat32UploadBytes: 4L * plan.Dimension,
            WireExpansion: Math.Round(sent / (4.0 * plan.Dimension), 4),
            ClientParallelism: plan.ClientParallelism,
            MaskThreads: plan.MaskThreads,
            WallSeconds: Math.Round(wallSeconds, 1),
            SignatureQuorum: configuration.SignatureQuorum,
            ConsistencyCheckServerMs: Ms(checkServerSeconds),
            ConsistencyCheckSiteMsMedian: Ms(checkSiteSeconds),
            ConsistencyCheckRoundTimeRatio: Math.Round(roundSeconds / (roundSeconds - checkServerSeconds - checkSiteSeconds), 4));
    }

    private static Dictionary<SecAggStage, int> PlanDropouts(RoundPlan plan, RoundConfiguration configuration, InProcessSecAggRound runner)
    {
        var random = new Random(plan.Seed ^ 0x5eca99);
        var order = new Queue<string>(configuration.SiteIds.OrderBy(_ => random.Next()));
        var dropped = new Dictionary<SecAggStage, int>();
        foreach ((SecAggStage stage, double fraction) in plan.DropoutBeforeStage.OrderBy(e => e.Key))
        {
            int count = (int)Math.Round(fraction * plan.Sites);
            for (int i = 0; i < count; i++) runner.Dropouts[order.Dequeue()] = stage;
            dropped[stage] = count;
        }
        return dropped;
    }

    /// <summary>A site's delta: uniform in ±<see cref="DeltaMagnitude"/>, the same for the same seed.</summary>
    private static float[] SyntheticDelta(int seed, int dimension)
    {
        var random = new Random(seed);
        float[] delta = new float[dimension];
        for (int i = 0; i < delta.Length; i++) delta[i] = (random.NextSingle() * 2 - 1) * DeltaMagnitude;
        return delta;
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1000, 1);
}

public sealed record RoundFigures(int Sites, int Dimension, int NeighbourCount, int Threshold, int QuantizationLevels, double ErrorBound,
    double MaxAbsErrorVsPlain, bool ExactSumEqual, int Contributors, Dictionary<string, int> DroppedBeforeStage, int Refusals, int Rejections,
    double ServerMs, Dictionary<string, double> ServerMsPerStage, double PlainFedAvgFoldMs, double ClientEncodeMsMedian, double ClientMaskMsMedian,
    double ClientAllStagesMsMedian, Dictionary<string, long> TypicalSiteBytesSentPerStage, Dictionary<string, long> TypicalSiteBytesReceivedPerStage,
    long TypicalSiteBytesSent, long PlainFloat32UploadBytes, double WireExpansion, int ClientParallelism, int MaskThreads, double WallSeconds,
    int SignatureQuorum, double ConsistencyCheckServerMs, double ConsistencyCheckSiteMsMedian, double ConsistencyCheckRoundTimeRatio)
{
    /// <summary>Where the server's unmasking time went (as the server measured it).</summary>
    public UnmaskCosts? Unmask { get; init; }

    /// <summary>CPU seconds (all threads) of the server closing the unmask stage.</summary>
    public double UnmaskCloseCpuSeconds { get; init; }

    /// <summary>The keystream the protocol requires of the server's unmasking, counted on the round's graph.</summary>
    public long RequiredKeystreamBytes { get; init; }
}
