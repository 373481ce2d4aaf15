using FedFace.Aggregator.Rounds;
using FedFace.Core;

namespace FedFace.Aggregator.Admin;

/// <summary>
/// What the operator reads of the federation's past: every round this process saw finish, each site's part in them, and
/// the models published (the resumed one first). Kept in memory, bounded; a restarted aggregator starts a new history
/// from its committed model. Thread-safe.
/// </summary>
public sealed class FederationHistory : IRoundObserver
{
    /// <summary>Rounds kept; older ones drop off (a federation of that many rounds is far past what a chart shows).</summary>
    public const int MaxRounds = 10_000;

    /// <summary>The latest reasons kept per site.</summary>
    public const int MaxReasonsPerSite = 5;

    private readonly Lock _gate = new();
    private readonly CurrentModel _model;
    private readonly TimeProvider _time;
    private readonly LinkedList<RoundInHistory> _rounds = new();
    private readonly List<PublishedModel> _models = [];
    private readonly Dictionary<string, SiteRecord> _sites = new(StringComparer.Ordinal);

    public FederationHistory(CurrentModel model, TimeProvider time)
    {
        _model = model;
        _time = time;
        _models.Add(model.Published);
    }

    public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        lock (_gate)
        {
            _rounds.AddLast(new RoundInHistory(summary, _time.GetUtcNow()));
            if (_rounds.Count > MaxRounds)
            {
                _rounds.RemoveFirst();
            }
            RecordSites(summary);
            if (summary.Committed && _model.Published is { } published && _models[^1].Version != published.Version)
            {
                _models.Add(published);
            }
        }
        return Task.CompletedTask;
    }

    public IReadOnlyList<RoundInHistory> Rounds()
    {
        lock (_gate) { return [.. _rounds]; }
    }

    public IReadOnlyList<PublishedModel> Models()
    {
        lock (_gate) { return [.. _models]; }
    }

    /// <summary>Each site any finished round sampled, in site order.</summary>
    public IReadOnlyDictionary<string, SiteRecord> Sites()
    {
        lock (_gate) { return _sites.ToDictionary(s => s.Key, s => s.Value with { Reasons = [.. s.Value.Reasons] }, StringComparer.Ordinal); }
    }

    private void RecordSites(RoundSummary summary)
    {
        var accepted = new HashSet<string>(summary.AcceptedSites, StringComparer.Ordinal);
        foreach (string site in summary.SampledSites)
        {
            SiteRecord record = _sites.TryGetValue(site, out SiteRecord? known) ? known : new SiteRecord(0, 0, []);
            if (accepted.Contains(site) && summary.Committed)
            {
                record = record with { RoundsContributed = record.RoundsContributed + 1 };
            }
            else
            {
                string reason = summary.RejectedSites.GetValueOrDefault(site)
                    ?? (accepted.Contains(site) ? $"round not committed: {summary.Outcome}" : "no update by the round's end");
                List<RefusedRound> reasons = [.. record.Reasons.TakeLast(MaxReasonsPerSite - 1), new RefusedRound(summary.Round, reason)];
                record = record with { RoundsNotAccepted = record.RoundsNotAccepted + 1, Reasons = reasons };
            }
            _sites[site] = record;
        }
    }
}

/// <summary>A round's summary and when it finished.</summary>
public sealed record RoundInHistory(RoundSummary Summary, DateTimeOffset FinishedAt);

/// <summary>A site's part in the rounds that sampled it: committed with its update, or not (with the latest reasons).</summary>
public sealed record SiteRecord(long RoundsContributed, long RoundsNotAccepted, IReadOnlyList<RefusedRound> Reasons);

/// <summary>Why a round did not take a site's update.</summary>
public sealed record RefusedRound(long Round, string Reason);
