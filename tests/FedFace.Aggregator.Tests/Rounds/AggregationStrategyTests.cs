using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Strategies;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>The aggregation seam on its own: FedAvg, and DP-FedAvg wrapped around it.</summary>
public sealed class AggregationStrategyTests
{
    private static readonly ModelState Layout = TestModels.Small(seed: 5);

    [Fact]
    public void FedAvg_weighs_each_update_by_its_examples()
    {
        var strategy = new FedAvgStrategy();
        RoundAggregationPlan plan = strategy.Configure(1, eligibleSites: 3, sampledSites: 3, minimumSurvivors: 2, out _)!;
        ModelState a = TestModels.DeltaFor("site-01", 1, Layout), b = TestModels.DeltaFor("site-02", 1, Layout);
        var updates = new CollectedUpdates(Layout, plan.Weighting, sumInSiteOrder: false);
        updates.Fold("site-01", new UpdateHeader { ExampleCount = 3 }, a);
        updates.Fold("site-02", new UpdateHeader { ExampleCount = 1 }, b);

        AggregatedDelta mean = strategy.Aggregate(plan, updates);

        Assert.Equal((UpdateWeighting.ExampleCount, (DpRoundPlan?)null), (plan.Weighting, plan.Privacy));
        Assert.Equal(("", (DifferentialPrivacyCheckpoint?)null), (mean.Note, mean.Privacy));
        TestModels.AssertPreviousPlusWeightedMean(Zeros(), [(a, 3), (b, 1)], mean.MeanDelta);
        Assert.Null(strategy.PrivacySpent);
    }

    [Fact]
    public void DpFedAvg_weighs_sites_alike_refuses_an_update_over_the_clip_and_accounts_the_round()
    {
        var settings = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.01, ClipNorm = 0.3, EpsilonBudget = 1e9 };
        var strategy = new DpFedAvgStrategy(new FedAvgStrategy(), new FederationPrivacy(settings, DifferentialPrivacyCheckpoint.Initial(settings)));
        RoundAggregationPlan plan = strategy.Configure(1, eligibleSites: 2, sampledSites: 2, minimumSurvivors: 2, out _)!;
        ModelState inside = DeltaClipping.Clip(TestModels.DeltaFor("site-01", 1, Layout), 0.3).Delta;
        ModelState outside = TestModels.DeltaFor("site-02", 1, Layout);

        Assert.Equal(UpdateWeighting.Uniform, plan.Weighting);
        Assert.NotNull(plan.Privacy);
        Assert.Null(strategy.Check(plan, new UpdateHeader { ExampleCount = 100 }, inside));
        Assert.Equal(RejectionCode.NormExceedsClip, strategy.Check(plan, new UpdateHeader { ExampleCount = 1 }, outside)?.Code);

        var updates = new CollectedUpdates(Layout, plan.Weighting, sumInSiteOrder: false);
        updates.Fold("site-01", new UpdateHeader { ExampleCount = 100 }, inside);
        AggregatedDelta mean = strategy.Aggregate(plan, updates);

        Assert.NotNull(mean.Privacy);
        Assert.StartsWith(", unweighted mean over 2 sampled sites with Central noise; next clip norm 0.3", mean.Note, StringComparison.Ordinal);
        Assert.True(strategy.PrivacySpent!.Value.Spent.Epsilon > 0);
    }

    [Fact]
    public void DpFedAvg_does_not_configure_a_round_its_budget_cannot_afford()
    {
        var settings = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.5, ClipNorm = 0.3, EpsilonBudget = 0.01 };
        var strategy = new DpFedAvgStrategy(new FedAvgStrategy(), new FederationPrivacy(settings, DifferentialPrivacyCheckpoint.Initial(settings)));

        Assert.Null(strategy.Configure(1, eligibleSites: 2, sampledSites: 2, minimumSurvivors: 2, out string refusal));

        Assert.StartsWith("the privacy budget is spent: round 1 would take ε from 0", refusal, StringComparison.Ordinal);
    }

    private static ModelState Zeros() => new(Layout.Tensors.Select(t => NamedTensor.Zeros(t.Name, (long[])t.Shape.Clone())));
}
