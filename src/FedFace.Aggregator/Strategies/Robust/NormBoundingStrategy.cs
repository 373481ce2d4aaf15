using System.Globalization;
using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// Norm bounding (Sun et al. 2019) around another strategy: every plain update is scaled down to L2 norm at most
/// <paramref name="bound"/> before the inner strategy folds or holds it, so no single site moves the round by more than
/// the bound over the sites' count, however large the update it sends.
/// </summary>
public sealed class NormBoundingStrategy(IAggregationStrategy inner, double bound) : IAggregationStrategy
{
    public int MaxSampledSites => inner.MaxSampledSites;

    public RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal) =>
        inner.Configure(round, eligibleSites, sampledSites, minimumSurvivors, out refusal);

    public Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta) => inner.Check(plan, header, delta);

    public ModelState Bound(RoundAggregationPlan plan, ModelState delta) => DeltaClipping.Clip(inner.Bound(plan, delta), bound).Delta;

    public AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates)
    {
        AggregatedDelta aggregated = inner.Aggregate(plan, updates);
        return aggregated with { Note = aggregated.Note + string.Create(CultureInfo.InvariantCulture, $", each update bounded to L2 norm {bound:G4}") };
    }

    public (PrivacySpent Spent, double EpsilonBudget)? PrivacySpent => inner.PrivacySpent;
}
