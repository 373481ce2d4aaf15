using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Strategies;

/// <summary>FedAvg: the mean of the round's updates, each weighed by the examples it was trained on.</summary>
public sealed class FedAvgStrategy : IAggregationStrategy
{
    public RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal)
    {
        refusal = "";
        return new RoundAggregationPlan(UpdateWeighting.ExampleCount, Privacy: null);
    }

    public Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta) => null;

    public AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        return new AggregatedDelta(updates.Sum.WeightedMean(), Privacy: null, Note: "");
    }

    public (PrivacySpent Spent, double EpsilonBudget)? PrivacySpent => null;
}
