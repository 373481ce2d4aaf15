using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Strategies;
using FedFace.Aggregator.Strategies.Robust;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Privacy;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>The settings pick the implementation behind each seam.</summary>
public sealed class RoundServicesTests
{
    [Fact]
    public void Plain_rounds_without_privacy_collect_uploads_and_average_with_FedAvg()
    {
        using var bench = new RoundBench(TestModels.Small(seed: 6));

        Assert.IsType<PlainUploadCollector>(bench.Get<IUpdateCollector>());
        Assert.IsType<FedAvgStrategy>(bench.Get<IAggregationStrategy>());
    }

    [Fact]
    public void Secure_rounds_with_privacy_collect_through_SecAgg_and_wrap_FedAvg_in_DP()
    {
        using var bench = new RoundBench(TestModels.Small(seed: 6), configure: options =>
        {
            options.SecureAggregation.Enabled = true;
            options.DifferentialPrivacy = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, ClipNorm = 0.3, EpsilonBudget = 10 };
        });

        Assert.IsType<SecureAggregationCollector>(bench.Get<IUpdateCollector>());
        Assert.IsType<DpFedAvgStrategy>(bench.Get<IAggregationStrategy>());
        Assert.Single(bench.Log.Matching("Differential privacy inside secure rounds"));
    }

    [Fact]
    public void A_robust_rule_with_a_norm_bound_holds_each_update_and_samples_no_more_sites_than_the_memory_bound_holds()
    {
        FedFace.Core.ModelState model = TestModels.Small(seed: 6);
        using var bench = new RoundBench(model, configure: options =>
        {
            options.MinSites = 3;
            options.Aggregation = new AggregationSettings { Rule = "median", NormBound = 1, MaxHeldUpdateBytes = 4 * model.DataBytes };
        });
        bench.Join("site-01", "site-02", "site-03", "site-04", "site-05", "site-06");

        OpenRound round = bench.OpenRound();

        Assert.IsType<NormBoundingStrategy>(bench.Get<IAggregationStrategy>());
        Assert.Equal(4, round.SampledSites.Count);
        Assert.True(round.Plan.HoldsUpdates);
    }
}
