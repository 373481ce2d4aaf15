using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Sites;

/// <summary>
/// The sites that joined, the faces each said it holds, and which of them are live (heard from within
/// <see cref="AggregatorOptions.SiteTimeoutSeconds"/>); the round loop waits here for enough of them. Thread-safe.
/// </summary>
public sealed class SiteRegistry(IOptions<AggregatorOptions> options, TimeProvider time, ILogger<SiteRegistry> logger)
{
    private readonly Lock _gate = new();
    private readonly SortedSet<string> _joined = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _declaredFaces = new(StringComparer.Ordinal);
    private readonly SiteLiveness _liveness = new(TimeSpan.FromSeconds(options.Value.SiteTimeoutSeconds));
    private TaskCompletionSource _siteArrived = NewSignal();

    public int JoinedCount
    {
        get { lock (_gate) { return _joined.Count; } }
    }

    /// <summary>The joined sites heard from lately: the ones the next round samples from.</summary>
    public int LiveCount => LiveSites().Count;

    public bool IsJoined(string siteId)
    {
        lock (_gate) { return _joined.Contains(siteId); }
    }

    /// <param name="declaredFaces">The faces the site said it trains on (0: not said); bounds its updates' example counts.</param>
    public void Join(string siteId, long declaredFaces = 0)
    {
        lock (_gate)
        {
            RecordContact(siteId);
            if (declaredFaces > 0)
            {
                _declaredFaces[siteId] = declaredFaces;
            }
            if (_joined.Add(siteId))
            {
                AggregatorLog.SiteJoined(logger, siteId, _joined.Count);
                SignalSiteArrived();
            }
        }
    }

    /// <summary>The faces the site declared at joining; null when it declared none.</summary>
    public long? DeclaredFaces(string siteId)
    {
        lock (_gate) { return _declaredFaces.TryGetValue(siteId, out long faces) ? faces : null; }
    }

    /// <summary>
    /// A site called (any authenticated call): it counts as live for <see cref="AggregatorOptions.SiteTimeoutSeconds"/>
    /// from now, and a site that had left the sample for its silence is sampled again from the next round.
    /// </summary>
    public void RecordContact(string siteId)
    {
        lock (_gate)
        {
            if (_liveness.Contact(siteId, time.GetUtcNow()) is { } silent && _joined.Contains(siteId))
            {
                AggregatorLog.SiteBack(logger, siteId, silent.TotalSeconds);
                SignalSiteArrived();
            }
        }
    }

    /// <summary>The joined sites heard from lately, in site order; logs each site that has just left the sample.</summary>
    public IReadOnlyList<string> LiveSites()
    {
        lock (_gate)
        {
            IReadOnlyList<string> live = _liveness.Live(_joined, time.GetUtcNow(), out var gone);
            foreach ((string site, TimeSpan silent) in gone)
            {
                AggregatorLog.SiteLeftSample(logger, site, silent.TotalSeconds, _liveness.Timeout.TotalSeconds);
            }
            return live;
        }
    }

    /// <summary>Every joined site with when it last called and whether it is live, in site order: for the operator.</summary>
    public IReadOnlyList<JoinedSite> Snapshot()
    {
        lock (_gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            return [.. _joined.Select(site => new JoinedSite(site, _liveness.LastContact(site), _liveness.IsLive(site, now)))];
        }
    }

    /// <summary>Waits until at least <paramref name="minSites"/> joined sites are live.</summary>
    public async Task WaitForLiveSitesAsync(int minSites, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                if (LiveSites().Count >= minSites)
                {
                    return;
                }
                arrived = _siteArrived.Task;
            }
            await arrived.WaitAsync(cancellationToken);
        }
    }

    private void SignalSiteArrived()
    {
        _siteArrived.TrySetResult();
        _siteArrived = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A joined site as the operator sees it: when it last called (null: not since this aggregator started) and whether it is live.</summary>
public sealed record JoinedSite(string SiteId, DateTimeOffset? LastContact, bool Live);
