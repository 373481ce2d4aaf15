using FedFace.Core.SecureAggregation;
using FedFace.Transport.SecureAggregation;

namespace FedFace.Simulator;

/// <summary>
/// Fault injection for secure rounds: the chosen sites vanish in round 1 just before they would answer one stage — their
/// agent is cancelled, without a word to the aggregator, which therefore waits for that stage's deadline — and stay gone.
/// </summary>
public sealed class SiteVanishing : ISecAggStageObserver, IDisposable
{
    private readonly SecAggStage _stage;
    private readonly Dictionary<string, CancellationTokenSource> _sites;
    private readonly TextWriter _output;

    public SiteVanishing(IEnumerable<string> siteIds, SecAggStage stage, TextWriter output, CancellationToken simulation)
    {
        _stage = stage;
        _output = output;
        _sites = siteIds.ToDictionary(site => site, _ => CancellationTokenSource.CreateLinkedTokenSource(simulation), StringComparer.Ordinal);
    }

    /// <summary>The --drop-at names of the stages a site can vanish before.</summary>
    public static SecAggStage StageOf(string dropAt) => dropAt.Trim().ToLowerInvariant() switch
    {
        "keys" => SecAggStage.AdvertiseKeys,
        "shares" => SecAggStage.ShareKeys,
        "masked" => SecAggStage.MaskedInput,
        "unmask" => SecAggStage.Unmask,
        _ => throw new ArgumentException($"'{dropAt}' is not a stage: use keys, shares, masked or unmask"),
    };

    /// <summary>What the site's agent runs under: cancelled when it vanishes, and with the simulation.</summary>
    public CancellationToken TokenFor(string siteId, CancellationToken simulation) =>
        _sites.TryGetValue(siteId, out CancellationTokenSource? vanishing) ? vanishing.Token : simulation;

    public bool HasVanished(string siteId) => _sites.TryGetValue(siteId, out CancellationTokenSource? vanishing) && vanishing.IsCancellationRequested;

    public async ValueTask BeforeStageAsync(string siteId, long round, SecAggStage stage, CancellationToken cancellationToken)
    {
        if (round == 1 && stage == _stage && _sites.TryGetValue(siteId, out CancellationTokenSource? vanishing))
        {
            _output.WriteLine($"      {siteId} vanishes before {stage} (fault injection)");
            await vanishing.CancelAsync();
        }
    }

    public void Dispose()
    {
        foreach (CancellationTokenSource source in _sites.Values)
        {
            source.Dispose();
        }
    }
}
