using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Strategies;

/// <summary>Which strategy the settings ask for, resumed from the committed state.</summary>
public static class AggregationStrategies
{
    /// <param name="secureAggregation">Rounds are securely aggregated (said in the DP start-up log).</param>
    public static IAggregationStrategy Resume(AggregatorOptions options, CommittedState committed, bool secureAggregation, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fedAvg = new FedAvgStrategy();
        FederationPrivacy? privacy = FederationPrivacy.Resume(options.DifferentialPrivacy, committed, options.SampleFraction, secureAggregation, logger);
        return privacy is null ? fedAvg : new DpFedAvgStrategy(fedAvg, privacy);
    }
}
