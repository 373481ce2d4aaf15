namespace FedFace.Transport.SecureAggregation;

/// <summary>How one site's part in a secure round ended: whether its input is in the unmasked sum, and what happened, for its log.</summary>
public sealed record SecAggEnd(bool InputIncluded, string Description);

/// <summary>Told before a site answers each secure-aggregation stage (the simulator's fault injection makes sites vanish here).</summary>
public interface ISecAggStageObserver
{
    ValueTask BeforeStageAsync(string siteId, long round, Core.SecureAggregation.SecAggStage stage, CancellationToken cancellationToken);
}
