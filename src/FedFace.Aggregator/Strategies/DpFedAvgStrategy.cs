using System.Globalization;
using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Strategies;

/// <summary>
/// DP-FedAvg as a wrapper around another strategy (Flower's DifferentialPrivacy* wrappers): it plans each round's
/// privacy (refusing one the budget cannot afford), weighs every site alike, refuses an update over the clip, and turns
/// the sum of clipped deltas into the noised, accounted mean over the sites sampled. The inner strategy's mean is not
/// used: DP-FedAvg divides by the sites sampled, a fixed denominator the noise is calibrated to.
/// </summary>
public sealed class DpFedAvgStrategy(IAggregationStrategy inner, FederationPrivacy privacy) : IAggregationStrategy
{
    public RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal)
    {
        if (inner.Configure(round, eligibleSites, sampledSites, minimumSurvivors, out refusal) is null)
        {
            return null;
        }
        DpRoundPlan? plan = privacy.PlanRound(round, eligibleSites, sampledSites, minimumSurvivors, out refusal);
        // Weighing by examples would let a large site exceed the sensitivity C: its delta is bounded by the clip, its count is not.
        return plan is null ? null : new RoundAggregationPlan(UpdateWeighting.Uniform, plan);
    }

    public Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(header);
        return inner.Check(plan, header, delta)
            ?? DpUpdateRejection.Check(delta, header.HasUnclippedIndicator ? header.UnclippedIndicator : null, PlanOf(plan).SiteInstructions);
    }

    public AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        DpRoundPlan dp = PlanOf(plan);
        PrivateRound done = privacy.Complete(dp, updates.Sum.ReleaseSum(), updates.UpdateCount, updates.UnclippedIndicatorSum);
        return new AggregatedDelta(done.MeanDelta, done.Checkpoint,
            string.Create(CultureInfo.InvariantCulture, $", unweighted mean over {dp.SampledSites} sampled sites with {dp.Mode} noise; next clip norm {done.NextClipNorm:G4}"));
    }

    public (PrivacySpent Spent, double EpsilonBudget)? PrivacySpent => (privacy.Spent, privacy.Budget.EpsilonBudget);

    private static DpRoundPlan PlanOf(RoundAggregationPlan plan) =>
        plan.Privacy ?? throw new InvalidOperationException("a DP-FedAvg round has a privacy plan");
}
