using FedFace.Aggregator.Strategies.Robust;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Strategies;

/// <summary>Which strategy the settings ask for, resumed from the committed state.</summary>
public static class AggregationStrategies
{
    /// <param name="secureAggregation">Rounds are securely aggregated (said in the DP start-up log).</param>
    /// <param name="modelBytes">The size of one update, to bound what a robust rule holds.</param>
    public static IAggregationStrategy Resume(AggregatorOptions options, CommittedState committed, bool secureAggregation, long modelBytes, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        AggregationSettings aggregation = options.Aggregation;
        IAggregationStrategy strategy = aggregation.CreateRule() is { } rule
            ? new RobustStrategy(rule, HeldUpdatesCapacity(aggregation, options.MinSites, modelBytes))
            : new FedAvgStrategy();
        if (aggregation.NormBound > 0)
        {
            strategy = new NormBoundingStrategy(strategy, aggregation.NormBound);
        }
        FederationPrivacy? privacy = FederationPrivacy.Resume(options.DifferentialPrivacy, committed, options.SampleFraction, secureAggregation, logger);
        return privacy is null ? strategy : new DpFedAvgStrategy(strategy, privacy);
    }

    /// <summary>How many updates of <paramref name="modelBytes"/> fit the memory bound; refuses to start when fewer than a round needs.</summary>
    private static int HeldUpdatesCapacity(AggregationSettings aggregation, int minSites, long modelBytes)
    {
        long capacity = aggregation.MaxHeldUpdateBytes / Math.Max(1, modelBytes);
        if (capacity < minSites)
        {
            throw new AggregatorStartupException(
                $"Aggregator:Aggregation:MaxHeldUpdateBytes ({aggregation.MaxHeldUpdateBytes}) holds {capacity} updates of this model ({modelBytes} bytes each), "
                + $"fewer than Aggregator:MinSites ({minSites}) that rule {aggregation.Rule} must hold in a round: raise it, or use fedavg (which keeps only a sum)");
        }
        return (int)Math.Min(capacity, int.MaxValue);
    }
}
