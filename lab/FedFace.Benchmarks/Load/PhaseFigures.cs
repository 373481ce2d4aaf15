using FedFace.SyntheticSites;

namespace FedFace.Benchmarks.Load;

/// <summary>The aggregator process's memory over a phase, in MB (10^6 bytes).</summary>
public sealed record AggregatorMemory(double StartResidentMb, double PeakResidentMbSampled, double VmHwmMb, double ResidentMbAtEnd, int PeakOpenUploads,
    double PeakBufferedUploadMb);

/// <summary>How attacking streams ended, by the aggregator's status or verdict.</summary>
public sealed record StreamOutcome(int Streams, string ExampleMessage, double MaxHeldSeconds, long BytesSent);

/// <summary>An attack's figures: what the attackers opened and how each stream was ended.</summary>
/// <param name="CutOff">every ended stream was ended by the aggregator, none accepted, none held longer than the round deadline + 5 s.</param>
public sealed record AttackFigures(string Kind, int Attackers, int StreamsPerAttempt, int StreamsOpened, int StreamsEnded, int StillHeldWhenRunStopped,
    IReadOnlyDictionary<string, StreamOutcome> EndedBy, double MaxHeldSeconds, bool CutOff);

/// <summary>Every site connecting at once: attempts (each a TCP connect, mutual-TLS handshake and Join call; failed ones retried as the edge client does) and the time until each site had joined.</summary>
public sealed record JoinFigures(int Sites, int Joined, int GaveUp, LatencySummary Attempts, LatencySummary TimeToJoin);

/// <summary>The honest sites' outcome over the phase.</summary>
public sealed record HonestTally(int Sites, int UpdatesAccepted, IReadOnlyDictionary<string, int> Rejections, int FailedCalls);

public sealed record PhaseFigures(string Name, int Sites, int SitesPerRound, int MinSites, int RoundDeadlineSeconds, double UploadChunkTimeoutSeconds,
    JoinFigures Joins, double AllJoinedSeconds, IReadOnlyList<string> WarmUpRoundOutcomes, double WindowSeconds, int RoundsFinished, int RoundsCommitted, double RoundsCommittedPerMinute,
    double? MeanCommittedRoundSeconds, IReadOnlyDictionary<string, LatencySummary> ClientMs, IReadOnlyDictionary<string, LatencySummary> ServerMs,
    AggregatorMemory Aggregator, HonestTally Honest, AttackFigures? Attack, int AggregatorErrorLines, IReadOnlyList<string> AggregatorErrorExamples,
    IReadOnlyList<RoundLine> Rounds)
{
    private const double Mb = 1e6;

    public static PhaseFigures Of(PhasePlan plan, IReadOnlyList<UploadAttacker> attackers, JoinFigures joins, double joinSeconds, IReadOnlyList<RoundLine> rounds,
        long windowStartMs, double windowSeconds, IReadOnlyDictionary<string, LatencySummary> clientMs, ServerLine server, LoadAggregatorProcess aggregator,
        long residentAtEndKb, IReadOnlyList<SiteTally> honest, int streamsPerAttempt)
    {
        RoundLine[] measured = [.. rounds.Where(r => r.FinishedUnixMs >= windowStartMs)];
        RoundLine[] committed = [.. measured.Where(r => r.Committed)];
        var rejections = honest.SelectMany(t => t.Rejections).GroupBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Value), StringComparer.Ordinal);
        return new PhaseFigures(plan.Name, plan.Sites, plan.SitesPerRound, plan.MinSites, plan.RoundDeadlineSeconds, plan.UploadChunkTimeoutSeconds,
            joins, Math.Round(joinSeconds, 1), [.. rounds.Where(r => r.FinishedUnixMs < windowStartMs).Select(r => $"round {r.Round}: {r.Outcome}")], Math.Round(windowSeconds, 1), measured.Length, committed.Length,
            Math.Round(committed.Length * 60 / windowSeconds, 2), committed.Length == 0 ? null : Math.Round(committed.Average(r => r.Seconds), 2),
            clientMs, server.CallMs,
            new AggregatorMemory(Math.Round(aggregator.StartResidentKb * 1024 / Mb, 1), Math.Round(aggregator.PeakResidentKbSampled * 1024 / Mb, 1),
                Math.Round(server.VmHwmKb * 1024 / Mb, 1), Math.Round(residentAtEndKb * 1024 / Mb, 1), server.PeakOpenUploads,
                Math.Round(server.PeakBufferedUploadBytes / Mb, 2)),
            new HonestTally(honest.Count, honest.Sum(t => t.Accepted), rejections, honest.Sum(t => t.FailedCalls)),
            plan.Attack is { } attack ? AttackOf(attack, plan, attackers, streamsPerAttempt) : null,
            aggregator.ErrorLines.Count, [.. aggregator.ErrorLines.Where(l => !l.StartsWith(' ')).Distinct().Take(5)],
            measured);
    }

    private static AttackFigures AttackOf(UploadAttack attack, PhasePlan plan, IReadOnlyList<UploadAttacker> attackers, int streamsPerAttempt)
    {
        StreamEnd[] ends = [.. attackers.SelectMany(a => a.Ends)];
        var byOutcome = ends.GroupBy(e => e.Outcome, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => new StreamOutcome(g.Count(), g.First().Message, Math.Round(g.Max(e => e.HeldSeconds), 2), g.Sum(e => e.BytesSent)), StringComparer.Ordinal);
        double maxHeld = ends.Length == 0 ? 0 : Math.Round(ends.Max(e => e.HeldSeconds), 2);
        int opened = attackers.Sum(a => a.Opened);
        bool cutOff = ends.Length > 0 && !byOutcome.ContainsKey("accepted") && maxHeld <= plan.RoundDeadlineSeconds + 5;
        return new AttackFigures(attack.ToString(), attackers.Count, streamsPerAttempt, opened, ends.Length, opened - ends.Length, byOutcome, maxHeld, cutOff);
    }
}
