using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Strategies;
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
}
