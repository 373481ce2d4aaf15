using FedFace.Client;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A site's round ended by an injected fault: it vanished or crashed, saying nothing to the aggregator.</summary>
public sealed class InjectedFaultException(string message) : Exception(message);

/// <summary>
/// The faults of <see cref="FaultSettings"/> on the last sites by id: dropouts vanish before their step in every plain
/// round they are sampled in, stragglers send late, crashing sites die during training in the crash round (their
/// connection cut) and stay down, not answering, until they join again <see cref="FaultSettings.ReturnAfterRounds"/> later.
/// </summary>
public sealed class SiteFaults : ISiteRoundObserver
{
    private readonly FaultSettings _settings;
    private readonly HashSet<string> _dropouts, _stragglers, _crashing;
    private readonly HashSet<string> _rejoining = new(StringComparer.Ordinal);
    private readonly TextWriter _output;

    public SiteFaults(FaultSettings settings, IReadOnlyList<string> siteIds, TextWriter output)
    {
        _settings = settings;
        _output = output;
        string[] faulty = siteIds.Order(StringComparer.Ordinal).TakeLast(settings.Total).Reverse().ToArray();
        _dropouts = new HashSet<string>(faulty.Take(settings.DropoutSites), StringComparer.Ordinal);
        _stragglers = new HashSet<string>(faulty.Skip(settings.DropoutSites).Take(settings.StragglerSites), StringComparer.Ordinal);
        _crashing = new HashSet<string>(faulty.Skip(settings.DropoutSites + settings.StragglerSites).Take(settings.CrashSites), StringComparer.Ordinal);
    }

    /// <summary>One line per kind of fault in force, for the run's output.</summary>
    public IEnumerable<string> Describe()
    {
        if (_dropouts.Count > 0) yield return $"Dropouts (vanish before {_settings.DropoutAt} in every plain round they are sampled in): {string.Join(", ", _dropouts.Order())}";
        if (_stragglers.Count > 0) yield return $"Stragglers (upload {_settings.StragglerSeconds:G3}s after training): {string.Join(", ", _stragglers.Order())}";
        if (_crashing.Count > 0) yield return $"Crashing sites (die during training in round {_settings.CrashRound}, back {_settings.ReturnAfterRounds} round(s) later): {string.Join(", ", _crashing.Order())}";
    }

    /// <summary>Whether a crashed site is still down in <paramref name="round"/>: sampled, it does not answer.</summary>
    public bool IsDown(string siteId, long round) =>
        _crashing.Contains(siteId) && round > _settings.CrashRound && round < _settings.CrashRound + _settings.ReturnAfterRounds;

    /// <summary>True once for a crashed site that is back: it joins again before its next round.</summary>
    public bool TakeRejoin(string siteId)
    {
        lock (_rejoining)
        {
            return _rejoining.Remove(siteId);
        }
    }

    public async ValueTask BeforeStepAsync(string siteId, long round, SiteRoundStep step, CancellationToken cancellationToken)
    {
        if (_dropouts.Contains(siteId) && step == _settings.DropoutStep)
        {
            _output.WriteLine($"      {siteId} drops out of round {round} before {step.ToString().ToLowerInvariant()} (fault injection)");
            throw new InjectedFaultException($"{siteId} dropped out before {step}");
        }
        if (_crashing.Contains(siteId) && round == _settings.CrashRound && step == SiteRoundStep.Training)
        {
            _output.WriteLine($"      {siteId} crashes during round {round}'s training, its connection cut; back after {_settings.ReturnAfterRounds} round(s) (fault injection)");
            lock (_rejoining)
            {
                _rejoining.Add(siteId);
            }
            throw new InjectedFaultException($"{siteId} crashed in round {round}");
        }
        if (_stragglers.Contains(siteId) && step == SiteRoundStep.Upload && _settings.StragglerSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(_settings.StragglerSeconds), cancellationToken);
        }
    }
}
