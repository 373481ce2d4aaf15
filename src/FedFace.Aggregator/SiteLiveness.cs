namespace FedFace.Aggregator;

/// <summary>
/// When each site last called, and which sites count as gone: a site not heard from for longer than the timeout leaves
/// the sample (a vanished site would otherwise hold every round it is sampled for until the deadline) and returns with
/// its next call. Not thread-safe: <see cref="Sites.SiteRegistry"/> calls it under its lock.
/// </summary>
public sealed class SiteLiveness(TimeSpan timeout)
{
    private readonly Dictionary<string, DateTimeOffset> _lastContact = new(StringComparer.Ordinal);
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Records a call; when the site had been counted gone, says how long it was silent.</summary>
    public TimeSpan? Contact(string siteId, DateTimeOffset now)
    {
        DateTimeOffset previous = _lastContact.GetValueOrDefault(siteId, now);
        _lastContact[siteId] = now;
        return _gone.Remove(siteId) ? now - previous : null;
    }

    /// <summary>
    /// The sites of <paramref name="joined"/> heard from within the timeout, in their order. Sites found silent for the
    /// first time since their last call are in <paramref name="newlyGone"/>, with how long they were silent, so that
    /// their leaving is reported once.
    /// </summary>
    public IReadOnlyList<string> Live(IEnumerable<string> joined, DateTimeOffset now, out IReadOnlyList<(string Site, TimeSpan Silent)> newlyGone)
    {
        var live = new List<string>();
        var gone = new List<(string, TimeSpan)>();
        foreach (string site in joined)
        {
            // A site known before it ever called (registered ahead) is given the timeout from the first time it is asked about.
            _lastContact.TryAdd(site, now);
            TimeSpan silent = now - _lastContact[site];
            if (silent <= Timeout)
            {
                live.Add(site);
            }
            else if (_gone.Add(site))
            {
                gone.Add((site, silent));
            }
        }
        newlyGone = gone;
        return live;
    }

    /// <summary>When the site last called; null when it never did.</summary>
    public DateTimeOffset? LastContact(string siteId) => _lastContact.TryGetValue(siteId, out DateTimeOffset last) ? last : null;

    /// <summary>Heard from within the timeout (a question only: unlike <see cref="Live"/>, it records nothing).</summary>
    public bool IsLive(string siteId, DateTimeOffset now) => LastContact(siteId) is { } last && now - last <= Timeout;
}
