using FedFace.Client;

namespace FedFace.Simulator.VirtualSites;

/// <summary>What the engine tells as rounds run (live progress: sites done of those sampled, per-site seconds).</summary>
public interface IEngineProgress
{
    /// <summary>A round opened; this engine runs <paramref name="sampledHere"/> of its sampled sites.</summary>
    void RoundOpened(long round, int sampledHere);

    /// <summary>
    /// A site's round ended: its outcome (null when an injected fault ended it), the seconds from taking up the round to
    /// the end, and those of them spent computing its delta (training).
    /// </summary>
    void SiteFinished(long round, string siteId, SiteRoundOutcome? outcome, double seconds, double workSeconds);
}

/// <summary>Tells several listeners (the engine's own measurements, a live progress line).</summary>
public sealed class EngineProgressFanOut(params IEngineProgress?[] listeners) : IEngineProgress
{
    private readonly IEngineProgress[] _listeners = [.. listeners.OfType<IEngineProgress>()];

    public void RoundOpened(long round, int sampledHere)
    {
        foreach (IEngineProgress listener in _listeners)
        {
            listener.RoundOpened(round, sampledHere);
        }
    }

    public void SiteFinished(long round, string siteId, SiteRoundOutcome? outcome, double seconds, double workSeconds)
    {
        foreach (IEngineProgress listener in _listeners)
        {
            listener.SiteFinished(round, siteId, outcome, seconds, workSeconds);
        }
    }
}
