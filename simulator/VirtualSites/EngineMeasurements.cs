using System.Diagnostics;
using FedFace.Client;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// One round as the engine ran it: wall seconds from its opening to its last site's end, the work within, and the
/// process's CPU time meanwhile per site (aggregator included; for untrained sites the whole per-site cost, and less
/// swayed than wall time by other work on the machine).
/// </summary>
public sealed record EngineRound(long Round, int Sites, int Answered, double Seconds, double WorkSeconds, double PerSiteOverheadMs, double CpuMsPerSite, int Workers);

/// <summary>
/// Per-round figures of the engine, a line each in the run's output: the round's wall time, its sites' summed work (training)
/// seconds, and the per-site overhead, (wall × workers − work) / sites: the worker time a site costs beyond its own work.
/// </summary>
public sealed class EngineMeasurements(int workers, TextWriter output) : IEngineProgress
{
    private readonly object _gate = new();
    private readonly Dictionary<long, (long Start, TimeSpan Cpu, int Expected, int Done, int Answered, double Work)> _open = [];
    private readonly List<EngineRound> _rounds = [];

    public IReadOnlyList<EngineRound> Rounds
    {
        get
        {
            lock (_gate)
            {
                return [.. _rounds];
            }
        }
    }

    /// <summary>The process's peak resident memory so far, in GB (Linux VmHWM).</summary>
    public static double PeakResidentGigabytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1e9;
    }

    private static TimeSpan ProcessorTime()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    public void RoundOpened(long round, int sampledHere)
    {
        lock (_gate)
        {
            _open[round] = (Stopwatch.GetTimestamp(), ProcessorTime(), sampledHere, 0, 0, 0);
        }
    }

    public void SiteFinished(long round, string siteId, SiteRoundOutcome? outcome, double seconds, double workSeconds)
    {
        EngineRound? finished = null;
        lock (_gate)
        {
            if (!_open.TryGetValue(round, out var state))
            {
                return;
            }
            state = (state.Start, state.Cpu, state.Expected, state.Done + 1, state.Answered + (outcome is null ? 0 : 1), state.Work + workSeconds);
            _open[round] = state;
            if (state.Done == state.Expected)
            {
                _open.Remove(round);
                double wall = Stopwatch.GetElapsedTime(state.Start).TotalSeconds;
                int sites = Math.Max(1, state.Expected);
                finished = new EngineRound(round, state.Expected, state.Answered, wall, state.Work, 1000 * (wall * workers - state.Work) / sites,
                    (ProcessorTime() - state.Cpu).TotalMilliseconds / sites, workers);
                _rounds.Add(finished);
            }
        }
        if (finished is not null)
        {
            output.WriteLine($"      engine: round {finished.Round}: {finished.Answered}/{finished.Sites} sites in {finished.Seconds:F2}s, "
                + $"their work {finished.WorkSeconds:F2}s, overhead {finished.PerSiteOverheadMs:F0} ms per site ({workers} worker(s)), "
                + $"CPU {finished.CpuMsPerSite:F0} ms per site; peak RSS {PeakResidentGigabytes():F2} GB");
        }
    }
}
