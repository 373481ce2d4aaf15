using System.Globalization;
using FedFace.Core;
using FedFace.SyntheticSites;

namespace FedFace.Benchmarks.Load;

/// <summary>The headline figures of the honest phase: the aggregator's latency per call, client- and server-side.</summary>
public sealed record CallHeadline(double ClientP50Ms, double ClientP99Ms, double? ServerP50Ms, double? ServerP99Ms, int Calls, int Failures);

public sealed record LoadReport(string Date, string Commit, bool Dirty, MachineInfo Machine, string LoadAverageAtEnd, int Niceness, string Method,
    long ModelParameters, long ModelBytes, int MaxUploadsPerSite, int Sites, IReadOnlyDictionary<string, CallHeadline> Latency, JoinFigures ConcurrentJoins,
    double AggregatorPeakResidentMb, double RoundsCommittedPerMinute, IReadOnlyDictionary<string, bool> Verdicts, string VerdictDefinitions,
    IReadOnlyList<PhaseFigures> Phases)
{
    public static LoadReport Of(MachineInfo machine, string commit, bool dirty, int niceness, string loadAverageAtEnd, ModelState model, int maxUploadsPerSite,
        IReadOnlyList<PhaseFigures> phases, double memoryBoundFactor)
    {
        PhaseFigures steady = phases[0];
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal)
        {
            ["steady_all_joined"] = steady.Joins.Joined == steady.Sites,
            ["steady_rounds_commit"] = steady.RoundsCommitted > 0 && steady.RoundsCommitted == steady.RoundsFinished,
        };
        foreach (PhaseFigures attack in phases.Skip(1))
        {
            string name = attack.Name.Replace('-', '_');
            verdicts[$"{name}_cut_off"] = attack.Attack?.CutOff ?? false;
            verdicts[$"{name}_honest_rounds_commit"] = attack.RoundsCommitted > 0 && attack.RoundsCommitted == attack.RoundsFinished;
            verdicts[$"{name}_memory_bounded"] = attack.Aggregator.VmHwmMb <= memoryBoundFactor * steady.Aggregator.VmHwmMb;
        }
        return new LoadReport(
            Date: DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Commit: commit,
            Dirty: dirty,
            Machine: machine,
            LoadAverageAtEnd: loadAverageAtEnd,
            Niceness: niceness,
            Method: "The real aggregator (AggregatorHost: Kestrel, HTTP/2, mutual TLS, round loop, FedAvg, checkpoints) runs in a process of its own "
                + "(fedface-bench load-aggregator) on 127.0.0.1; this process runs the synthetic sites (lab/FedFace.SyntheticSites): each its own ECDSA P-256 "
                + "certificate from one CA and its own HTTP/2 connection, all started at once; each joins (a failed attempt, e.g. a handshake "
                + "Kestrel timed out, retried through the edge client's transient-fault pipeline; concurrent_joins counts attempts and the time until joined), asks for work (polling as told while not sampled), "
                + "downloads the signed model (signature and hash checked), and uploads a delta of normal values (σ 1e-3, seeded per site and round; no training) "
                + "in the model's layout. The aggregator samples sites_per_round of the joined sites a round. Each phase starts a fresh aggregator; its warm-up "
                + "(every site joined and the first round finished) is not measured, and its rounds are listed apart (warm_up_round_outcomes): the first "
                + "round opens as soon as the quorum has joined, so it may sample few sites, attackers among them. Client latency: from the call to its answer (download: last byte, verified; "
                + "upload: first chunk to verdict); server latency: the gRPC handler's duration (ServerCallTimer; in the attack phases it includes the attackers' streams). Percentiles by nearest rank. Resident size: "
                + "the aggregator process's VmHWM (and VmRSS sampled every 250 ms). Attack phases: every tenth site, when sampled, opens max_uploads_per_site + 1 "
                + "streams at once and holds them (held-open: header and 64 KiB of a 4.8 MB update, then silence; slow-sender: header, then 1 KiB every half chunk "
                + "timeout), again whenever given a task; the round deadline and chunk timeout are shortened from their defaults (600 s, 30 s) to the phase's so the "
                + "run takes minutes. Sites and aggregator share this machine's 2 cores, with other engineers' builds and tests running: latencies and "
                + "rounds a minute move with that load (load averages at start and end, and this process's nice value, are recorded).",
            ModelParameters: model.ParameterCount,
            ModelBytes: model.DataBytes,
            MaxUploadsPerSite: maxUploadsPerSite,
            Sites: steady.Sites,
            Latency: new Dictionary<string, CallHeadline>(StringComparer.Ordinal)
            {
                ["task"] = Headline(steady, SiteCall.GetTask, "GetTask"),
                ["download"] = Headline(steady, SiteCall.Download, "DownloadModel"),
                ["upload"] = Headline(steady, SiteCall.Upload, "UploadUpdate"),
            },
            ConcurrentJoins: steady.Joins,
            AggregatorPeakResidentMb: steady.Aggregator.VmHwmMb,
            RoundsCommittedPerMinute: steady.RoundsCommittedPerMinute,
            Verdicts: verdicts,
            VerdictDefinitions: "all_joined: every site joined (TCP + mutual TLS + Join call; a failed attempt retried as the edge client does, for up to 5 minutes); rounds_commit: at least one round finished in the window "
                + "and every round that finished committed; cut_off: every attacking stream that ended was ended by the aggregator (none accepted), none held "
                + $"longer than the round deadline + 5 s; memory_bounded: the phase's aggregator VmHWM is at most {memoryBoundFactor} x the honest phase's.",
            Phases: phases);
    }

    private static CallHeadline Headline(PhaseFigures phase, SiteCall client, string serverMethod)
    {
        LatencySummary sites = phase.ClientMs.GetValueOrDefault(client.ToString()) ?? LatencySummary.Of([], 0);
        LatencySummary? server = phase.ServerMs.GetValueOrDefault(serverMethod);
        return new CallHeadline(sites.P50Ms, sites.P99Ms, server?.P50Ms, server?.P99Ms, sites.Count, sites.Failures);
    }
}
