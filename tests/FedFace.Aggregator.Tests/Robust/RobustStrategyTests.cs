using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Strategies;
using FedFace.Aggregator.Strategies.Robust;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests.Robust;

/// <summary>The robust strategies in the aggregation seam: what they hold, how they bound, and which settings they refuse.</summary>
public sealed class RobustStrategyTests
{
    private static readonly ModelState Layout = TestModels.Small(seed: 5);

    private static ModelState Scaled(ModelState delta, float factor) =>
        new(delta.Tensors.Select(t => new NamedTensor(t.Name, (long[])t.Shape.Clone(), [.. t.Values.Select(v => v * factor)])));

    [Fact]
    public void A_robust_strategy_holds_the_rounds_updates_weighs_sites_alike_and_combines_them_in_site_order()
    {
        var strategy = new RobustStrategy(new CoordinateMedianRule(byzantineSites: 1), maxHeldUpdates: 8);
        RoundAggregationPlan plan = strategy.Configure(1, eligibleSites: 3, sampledSites: 3, minimumSurvivors: 3, out _)!;
        var updates = new CollectedUpdates(Layout, plan.Weighting, sumInSiteOrder: false, plan.HoldsUpdates);
        ModelState honest = TestModels.DeltaFor("site-01", 1, Layout);
        updates.Fold("site-03", new UpdateHeader { ExampleCount = 1_000_000 }, Scaled(honest, -10));
        updates.Fold("site-01", new UpdateHeader { ExampleCount = 1 }, honest);
        updates.Fold("site-02", new UpdateHeader { ExampleCount = 1 }, Scaled(honest, 1.5f));

        AggregatedDelta combined = strategy.Aggregate(plan, updates);

        Assert.Equal((UpdateWeighting.Uniform, true, 8), (plan.Weighting, plan.HoldsUpdates, strategy.MaxSampledSites));
        Assert.Equal(", median of 3 updates", combined.Note);
        TestModels.AssertSameValues(honest, combined.MeanDelta); // the middle of −10, 1 and 1.5 times each coordinate
    }

    [Fact]
    public void FedAvg_holds_no_single_update()
    {
        RoundAggregationPlan plan = new FedAvgStrategy().Configure(1, 2, 2, 2, out _)!;
        var updates = new CollectedUpdates(Layout, plan.Weighting, sumInSiteOrder: false, plan.HoldsUpdates);
        updates.Fold("site-01", new UpdateHeader { ExampleCount = 1 }, Layout);

        Assert.Empty(updates.HeldInSiteOrder);
    }

    [Fact]
    public void Norm_bounding_scales_a_large_update_down_to_the_bound_and_leaves_a_small_one_as_it_is()
    {
        var strategy = new NormBoundingStrategy(new FedAvgStrategy(), bound: 1.0);
        RoundAggregationPlan plan = strategy.Configure(1, 2, 2, 2, out _)!;
        ModelState small = Scaled(Layout, (float)(0.5 / DeltaClipping.L2Norm(Layout.Tensors.Select(t => t.Values))));
        ModelState large = Scaled(Layout, 100);

        ModelState bounded = strategy.Bound(plan, large);

        Assert.InRange(DeltaClipping.L2Norm(bounded.Tensors.Select(t => t.Values)), 0.999, 1.0);
        TestModels.AssertSameValues(small, strategy.Bound(plan, small));
        var updates = new CollectedUpdates(Layout, plan.Weighting, sumInSiteOrder: false);
        updates.Fold("site-01", new UpdateHeader { ExampleCount = 1 }, bounded);
        Assert.EndsWith(", each update bounded to L2 norm 1", strategy.Aggregate(plan, updates).Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("median", 1, 5, true, false, "Aggregator:Aggregation:Rule median needs each site's update, and secure aggregation shows the aggregator only their sum")]
    [InlineData("multi-krum", 1, 5, false, true, "Aggregator:Aggregation:Rule multi-krum cannot be combined with differential privacy")]
    [InlineData("multi-krum", 2, 5, false, false, "Aggregator:MinSites (5) is too few for Aggregator:Aggregation:Rule multi-krum with Aggregator:Aggregation:ByzantineSites 2: multi-krum with f = 2 byzantine sites needs at least 2f + 3 = 7 updates, got 5")]
    [InlineData("trimmed-mean", -1, 5, false, false, "Aggregator:Aggregation:ByzantineSites must be zero or positive, got -1")]
    [InlineData("krum", 1, 5, false, false, "Aggregator:Aggregation:Rule must be fedavg, median, trimmed-mean or multi-krum, got 'krum'")]
    public void Settings_a_robust_rule_cannot_work_with_are_refused_naming_them(string rule, int f, int minSites, bool secure, bool dp, string problem)
    {
        var settings = new AggregationSettings { Rule = rule, ByzantineSites = f };

        Assert.Contains(settings.Problems("Aggregator:Aggregation", minSites, secure, dp), p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void A_norm_bound_in_secure_rounds_points_to_the_secure_clip_norm_and_usable_settings_have_no_problem()
    {
        Assert.Contains(new AggregationSettings { NormBound = 2 }.Problems("Aggregator:Aggregation", 3, secureAggregation: true, differentialPrivacy: false),
            p => p.Contains("Aggregator:SecureAggregation:ClipNorm", StringComparison.Ordinal));
        Assert.Empty(new AggregationSettings { Rule = "Multi-Krum", ByzantineSites = 1, NormBound = 2 }.Problems("Aggregator:Aggregation", 5, false, false));
        Assert.Empty(new AggregationSettings().Problems("Aggregator:Aggregation", 3, secureAggregation: true, differentialPrivacy: true));
    }
}
