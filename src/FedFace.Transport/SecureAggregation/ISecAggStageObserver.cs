using FedFace.Core.SecureAggregation;

namespace FedFace.Transport.SecureAggregation;

/// <summary>Told before a site answers each secure-aggregation stage (the simulator's fault injection makes sites vanish here).</summary>
public interface ISecAggStageObserver
{
    ValueTask BeforeStageAsync(string siteId, long round, SecAggStage stage, CancellationToken cancellationToken);
}
