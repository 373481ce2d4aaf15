using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// Plain rounds combined by a byzantine-robust rule instead of the mean: the round holds its single updates (at most
/// <paramref name="maxHeldUpdates"/>, the sample being capped to that) and the rule makes the round's delta of them.
/// </summary>
public sealed class RobustStrategy(IRobustRule rule, int maxHeldUpdates) : IAggregationStrategy
{
    public int MaxSampledSites => maxHeldUpdates;

    public RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal)
    {
        refusal = "";
        // Sites weigh alike: weighing by declared example counts would give an attacker the weight it declares.
        return new RoundAggregationPlan(UpdateWeighting.Uniform, Privacy: null) { HoldsUpdates = true };
    }

    public Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta) => null;

    public AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        IReadOnlyList<ModelState> held = updates.HeldInSiteOrder;
        return new AggregatedDelta(rule.Combine(held), Privacy: null, Note: $", {rule.Name} of {held.Count} updates");
    }

    public (PrivacySpent Spent, double EpsilonBudget)? PrivacySpent => null;
}
