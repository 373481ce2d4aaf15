using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Tests.SecureAggregation;

namespace FedFace.Core.Tests.Privacy;

public class DistributedDiscreteGaussianTests
{
    private static DpRoundPlan Plan(AdaptiveClippingSettings? adaptive = null, int sampled = 4, int fewest = 3) =>
        new DpAggregationStep(new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1.0, ClipNorm = 0.5, Adaptive = adaptive, EpsilonBudget = 100,
        }).PlanRound(0.5, eligibleSites: sampled, sampledSites: sampled, minimumSurvivors: fewest, secureAggregation: true);

    [Theory]
    [InlineData(4, 3)]
    [InlineData(3, 2)]
    public void With_fine_quantization_the_accounted_noise_is_the_Gaussian_closed_form_of_the_others_shares(int contributors, int fewest)
    {
        DpRoundPlan plan = Plan(fewest: fewest);
        DistributedDiscreteGaussian noise = plan.ExactNoise(modelLength: 1_200_000);
        // The paper's bound tends to the Gaussian's z·√((s − 1)/k) as the step γ → 0; here γ ≈ 10⁻⁸ C.
        double gaussian = Math.Sqrt((contributors - 1.0) / fewest);
        double exact = noise.NoiseMultiplier(contributors - 1);
        Assert.True(exact <= gaussian, $"{exact} > {gaussian}: the rounding's norm slack must cost something");
        Assert.Equal(gaussian, exact, 6);
    }

    [Fact]
    public void With_adaptive_clipping_the_bit_is_accounted_with_its_own_noise_as_the_Gaussian_composition_does()
    {
        DpRoundPlan plan = Plan(new AdaptiveClippingSettings { CountNoiseMultiplier = 1.0 });
        DistributedDiscreteGaussian noise = plan.ExactNoise(modelLength: 50_000);
        // z⁻² = σ_Δ⁻² + (2σ_b)⁻²: the update and the count together carry z; three shares of k = 3 carry all of it.
        Assert.Equal(1.0, noise.NoiseMultiplier(3), 6);
        Assert.True(noise.IndicatorVariance > 0);
    }

    [Fact]
    public void A_site_reading_the_configuration_and_the_aggregator_planning_the_round_use_the_same_integers()
    {
        DpRoundPlan plan = Plan(new AdaptiveClippingSettings { CountNoiseMultiplier = 1.0 });
        int modelLength = 3_000;
        using var federation = new TestFederation(4);
        RoundConfiguration configuration = RoundConfiguration.Create(7, federation.SiteIds, modelLength + 1,
            SecureDpQuantization.For(new SecAggSettings(), plan.SiteInstructions, modelLength));

        DistributedDiscreteGaussian site = DistributedDiscreteGaussian.For(configuration, plan.SiteInstructions);
        DistributedDiscreteGaussian aggregator = plan.ExactNoise(modelLength);

        Assert.Equal((aggregator.Step, aggregator.Levels, aggregator.UpdateVariance, aggregator.IndicatorVariance, aggregator.NormSquaredBound),
            (site.Step, site.Levels, site.UpdateVariance, site.IndicatorVariance, site.NormSquaredBound));
        Assert.Equal(aggregator.NoiseMultiplier(2), site.NoiseMultiplier(2));
        // σ in levels: (σ_share/γ)² rounded up, so the noise is never less than planned.
        Assert.True(site.UpdateVariance >= Math.Pow(plan.SiteInstructions.UpdateNoiseStandardDeviation / site.Step, 2));
        Assert.Equal(configuration.QuantizationLevels, site.Levels);
    }

    [Fact]
    public void The_budget_check_assumes_the_largest_model_so_what_a_round_accounts_is_never_below_what_it_was_allowed_with()
    {
        DpRoundPlan plan = Plan();
        foreach (int modelLength in new[] { 10, 1_200_000, 500_000_000 })
        {
            Assert.True(plan.ExactNoise(modelLength).NoiseMultiplier(2) >= plan.AccountedNoiseMultiplier);
        }
        Assert.Equal(Math.Sqrt(2 / 3.0), plan.AccountedNoiseMultiplier, 4);
    }

    [Fact]
    public void Instructions_that_leave_the_update_or_the_bit_unnoised_are_accounted_as_no_protection()
    {
        var unnoisedBit = new DpSiteInstructions(0.5, 0.2, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0);
        Assert.Equal(0UL, DistributedDiscreteGaussian.For(unnoisedBit, 100, 4).IndicatorVariance);
        Assert.Equal(0, DistributedDiscreteGaussian.For(unnoisedBit, 100, 4).NoiseMultiplier(3));
        Assert.Equal(0, DistributedDiscreteGaussian.For(new DpSiteInstructions(0.5, 0, false, 0), 100, 4).NoiseMultiplier(3));
    }

    [Fact]
    public void Rounds_with_float_noise_have_no_integer_noise_to_account()
    {
        DpRoundPlan plain = new DpAggregationStep(new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Distributed, EpsilonBudget = 100 })
            .PlanRound(0.5, 4, 4, 3);
        DpRoundPlan central = new DpAggregationStep(new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, EpsilonBudget = 100 })
            .PlanRound(0.5, 4, 4, 3, secureAggregation: true);
        Assert.False(plain.IntegerNoise);
        Assert.False(central.IntegerNoise);
        Assert.Throws<InvalidOperationException>(() => plain.ExactNoise(10));
    }
}
