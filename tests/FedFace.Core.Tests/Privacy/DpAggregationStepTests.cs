using System.Numerics.Tensors;
using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class DpAggregationStepTests
{
    private static DifferentialPrivacySettings Settings(DifferentialPrivacyMode mode, AdaptiveClippingSettings? adaptive = null, double noise = 1.0) =>
        new() { Mode = mode, NoiseMultiplier = noise, ClipNorm = 0.5, Adaptive = adaptive, EpsilonBudget = 20, Delta = 1e-5 };

    private static ModelState Zeros(int count) => new([NamedTensor.Zeros("w", [count])]);

    private static double MeanSquare(ModelState model) => model.Tensors.SelectMany(t => t.Values).Average(v => (double)v * v);

    [Fact]
    public void Central_mode_adds_the_full_noise_to_the_sum_and_none_at_the_sites()
    {
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Central));
        DpRoundPlan plan = step.PlanRound(clipNorm: 0.5, eligibleSites: 10, sampledSites: 5, minimumSurvivors: 3);
        Assert.Equal(0, plan.SiteInstructions.UpdateNoiseStandardDeviation);
        Assert.Equal(1.0, plan.SamplingRate); // the sample is disclosed to the sampled sites: no amplification by default

        ModelState sum = Zeros(1_000_000);
        DpRoundOutcome outcome = step.Complete(plan, sum, survivors: 4, unclippedIndicatorSum: 0);

        Assert.Same(sum, outcome.NoisedSum);
        Assert.InRange(MeanSquare(sum) / (0.5 * 0.5), 0.99, 1.01); // (zC)² with z = 1, C = 0.5
        Assert.Equal(1.0, outcome.RealisedNoiseMultiplier);
        Assert.Equal(0.5, outcome.NextClipNorm); // fixed clip
        Assert.Null(outcome.UnclippedFraction);
    }

    [Fact]
    public void Distributed_shares_make_at_least_the_full_noise_and_the_accountant_hears_only_the_shares_of_the_others()
    {
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Distributed));
        DpRoundPlan plan = step.PlanRound(clipNorm: 0.5, eligibleSites: 5, sampledSites: 5, minimumSurvivors: 4);
        Assert.Equal(0.5 / 2, plan.SiteInstructions.UpdateNoiseStandardDeviation, 14); // zC/√k

        foreach (int survivors in new[] { 5, 4, 3 })
        {
            ModelState sum = Zeros(200_000);
            for (int site = 0; site < survivors; site++)
            {
                DpSiteContribution contribution = DpSiteStep.Protect(Zeros(200_000), plan.SiteInstructions);
                TensorPrimitives.Add(sum["w"].Values, contribution.Delta["w"].Values, sum["w"].Values);
            }
            DpRoundOutcome outcome = step.Complete(plan, sum, survivors, unclippedIndicatorSum: 0);

            // The sum carries z·√(s/k); a site's own share leaves with it, so the accountant hears z·√((s − 1)/k).
            Assert.Equal(Math.Sqrt((survivors - 1) / 4.0), outcome.RealisedNoiseMultiplier, 14);
            Assert.InRange(MeanSquare(sum) / Math.Pow(Math.Sqrt(survivors / 4.0) * 0.5, 2), 0.98, 1.02); // the server added nothing
        }
    }

    [Fact]
    public void Adaptive_clipping_moves_the_clip_by_the_noised_fraction_of_unclipped_sites()
    {
        // z = 0.02 leaves almost no noise on the count (σ_b = 0.05 over 10 sites: ±0.005 on the fraction).
        var adaptive = new AdaptiveClippingSettings { TargetQuantile = 0.5, LearningRate = 0.2, CountNoiseMultiplier = 0.05 };
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Central, adaptive, noise: 0.02));
        DpRoundPlan plan = step.PlanRound(clipNorm: 2, eligibleSites: 10, sampledSites: 10, minimumSurvivors: 10);
        Assert.True(plan.IsAdaptive);
        Assert.Equal(AdaptiveClipping.UpdateNoiseMultiplier(0.02, 0.05), plan.UpdateNoiseMultiplier, 14);

        double indicatorSum = 7 * 0.5 - 3 * 0.5; // 7 of 10 fitted under the clip
        DpRoundOutcome outcome = step.Complete(plan, Zeros(10), survivors: 10, indicatorSum);

        Assert.InRange(outcome.UnclippedFraction!.Value, 0.7 - 0.03, 0.7 + 0.03);
        Assert.Equal(2 * Math.Exp(-0.2 * (0.7 - 0.5)), outcome.NextClipNorm, 2 * 0.2 * 0.03);
        Assert.Equal(0.02, outcome.RealisedNoiseMultiplier);
    }

    [Fact]
    public void The_mean_divides_by_the_sites_sampled_not_by_the_survivors()
    {
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Distributed));
        DpRoundPlan plan = step.PlanRound(0.5, eligibleSites: 8, sampledSites: 4, minimumSurvivors: 2);
        ModelState sum = new([new NamedTensor("w", [2], [1f, -2f])]);
        ModelState mean = step.Complete(plan, sum, survivors: 2, unclippedIndicatorSum: 0).MeanDelta();
        Assert.Equal([0.25f, -0.5f], mean["w"].Values);
    }

    [Fact]
    public void A_whole_round_from_plan_to_budget()
    {
        // How the aggregator and the sites call these classes, end to end, over three rounds.
        DifferentialPrivacySettings settings = Settings(DifferentialPrivacyMode.Distributed,
            new AdaptiveClippingSettings { TargetQuantile = 0.5, LearningRate = 0.2, CountNoiseMultiplier = 2 });
        var step = new DpAggregationStep(settings);
        var accountant = new RdpAccountant();
        PrivacyBudget budget = settings.Budget();
        double clip = settings.ClipNorm;
        ModelState[] siteDeltas = [.. Enumerable.Range(0, 4).Select(s => Models.Random(s, 0.05f * (s + 1), ("w", [500])))];

        for (int round = 1; round <= 3; round++)
        {
            DpRoundPlan plan = step.PlanRound(clip, eligibleSites: 4, sampledSites: 4, minimumSurvivors: 3);
            BudgetCheck check = budget.CheckNextRound(accountant, plan.SamplingRate, plan.AccountedNoiseMultiplier);
            Assert.True(check.Allowed, check.Reason);

            ModelState sum = Zeros(500);
            double indicatorSum = 0;
            foreach (ModelState delta in siteDeltas)
            {
                DpSiteContribution contribution = DpSiteStep.Protect(delta, plan.SiteInstructions); // at the site, before masking
                TensorPrimitives.Add(sum["w"].Values, contribution.Delta["w"].Values, sum["w"].Values); // secure aggregation
                indicatorSum += contribution.UnclippedIndicator;
            }
            DpRoundOutcome outcome = step.Complete(plan, sum, survivors: siteDeltas.Length, indicatorSum);
            accountant.Compose(outcome.SamplingRate, outcome.RealisedNoiseMultiplier);
            clip = outcome.NextClipNorm;

            Assert.True(accountant.Spent(budget.Delta).Epsilon <= check.SpentAfterNextRound.Epsilon + 1e-12); // four shares ≥ k = 3
            Assert.True(clip > 0);
        }
        Assert.Equal(3, accountant.RoundsComposed);
    }

    [Fact]
    public void Refuses_to_run_when_off_or_misconfigured()
    {
        var off = Assert.Throws<ArgumentException>(() => new DpAggregationStep(new DifferentialPrivacySettings()));
        Assert.Contains("Mode is Off", off.Message);
        var bad = Assert.Throws<ArgumentException>(() => new DpAggregationStep(Settings(DifferentialPrivacyMode.Central, noise: -1)));
        Assert.Contains("DifferentialPrivacy:NoiseMultiplier must be positive", bad.Message);
    }

    [Fact]
    public void Sampling_is_accounted_at_q_1_unless_the_settings_assume_a_secret_sample()
    {
        DifferentialPrivacySettings disclosed = Settings(DifferentialPrivacyMode.Central);
        DifferentialPrivacySettings secret = Settings(DifferentialPrivacyMode.Central);
        secret.AssumeSecretSampling = true;
        Assert.Equal(1.0, new DpAggregationStep(disclosed).PlanRound(0.5, eligibleSites: 10, sampledSites: 2, minimumSurvivors: 2).SamplingRate);
        Assert.Equal(0.2, new DpAggregationStep(secret).PlanRound(0.5, eligibleSites: 10, sampledSites: 2, minimumSurvivors: 2).SamplingRate);
    }

    [Fact]
    public void The_budget_is_checked_with_the_others_shares_of_the_fewest_committing_sites_and_one_share_alone_is_refused()
    {
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Distributed));
        Assert.Equal(Math.Sqrt(2 / 3.0), step.PlanRound(0.5, eligibleSites: 4, sampledSites: 4, minimumSurvivors: 3).AccountedNoiseMultiplier, 14);
        Assert.Equal(1.0, new DpAggregationStep(Settings(DifferentialPrivacyMode.Central)).PlanRound(0.5, 4, 4, 3).AccountedNoiseMultiplier);
        var alone = Assert.Throws<ArgumentOutOfRangeException>(() => step.PlanRound(0.5, eligibleSites: 4, sampledSites: 4, minimumSurvivors: 1));
        Assert.Contains("at least 2 sites", alone.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The distributed example of lab/RESULTS.md (z = 1, δ = 10⁻⁵, q = 1, k = 3): round 1 kept 4 inputs, round 2 had 3. Accounting
    /// every share gave ε 4.011 then 6.543; counting only the others' shares gives what lab/RESULTS.md says.
    /// </summary>
    [Fact]
    public void The_readme_distributed_example_before_and_after_counting_only_the_others_shares()
    {
        static double Epsilon(params double[] noiseMultipliers)
        {
            var accountant = new RdpAccountant();
            foreach (double z in noiseMultipliers) accountant.Compose(1.0, z);
            return accountant.Spent(1e-5).Epsilon;
        }
        Assert.Equal(4.011, Epsilon(Math.Sqrt(4 / 3.0)), 3);
        Assert.Equal(6.543, Epsilon(Math.Sqrt(4 / 3.0), 1.0), 3);
        Assert.Equal(4.729, Epsilon(1.0), 3); // round 1 after: z·√(3/3), the central example's first round
        Assert.Equal(ReadmeAfterTwoRounds, Epsilon(1.0, Math.Sqrt(2 / 3.0)), 3);
    }

    private const double ReadmeAfterTwoRounds = 8.079;

    /// <summary>
    /// The same run under the exact mechanism: 4 sites sampled, shares sized for k = 3, adaptive clipping (σ_b = z = 1), a
    /// model of 1.2M values; round 1 kept all 4 inputs, round 2 had 3. The discrete Gaussian's bound is the Gaussian
    /// figure to within 10⁻⁶, so ε agrees with 4.729 and 8.079 to the digits the README shows.
    /// </summary>
    [Fact]
    public void The_readme_distributed_example_under_the_exact_discrete_Gaussian()
    {
        var settings = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1, ClipNorm = 1, EpsilonBudget = 100, Delta = 1e-5,
            Adaptive = new AdaptiveClippingSettings { TargetQuantile = 0.5, CountNoiseMultiplier = 1 },
        };
        var step = new DpAggregationStep(settings);
        var accountant = new RdpAccountant();
        var epsilons = new List<double>();
        foreach (int contributors in new[] { 4, 3 })
        {
            DpRoundPlan plan = step.PlanRound(1.0, eligibleSites: 4, sampledSites: 4, minimumSurvivors: 3, secureAggregation: true);
            DpRoundOutcome outcome = step.Complete(plan, Zeros(1_200_000), contributors, unclippedIndicatorSum: 0);
            accountant.Compose(outcome.SamplingRate, outcome.RealisedNoiseMultiplier);
            epsilons.Add(accountant.Spent(settings.Delta).Epsilon);
        }
        Assert.Equal([4.729, ReadmeAfterTwoRounds], [.. epsilons.Select(e => Math.Round(e, 3))]);
        // The rounding's norm slack costs a little: never less ε than the Gaussian of the same noise, and not 10⁻⁵ more.
        var gaussian = new RdpAccountant();
        foreach ((double z, int round) in new[] { (1.0, 0), (Math.Sqrt(2 / 3.0), 1) })
        {
            gaussian.Compose(1.0, z);
            double floatFigure = gaussian.Spent(settings.Delta).Epsilon;
            Assert.InRange(epsilons[round] - floatFigure, 0, 1e-5);
        }
    }

    [Fact]
    public void Integer_noise_is_accounted_without_amplification_even_when_the_sample_is_assumed_secret()
    {
        var settings = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Distributed, AssumeSecretSampling = true, EpsilonBudget = 100 };
        var step = new DpAggregationStep(settings);
        Assert.Equal(0.5, step.PlanRound(0.5, eligibleSites: 8, sampledSites: 4, minimumSurvivors: 3).SamplingRate); // float noise: amplified
        Assert.Equal(1.0, step.PlanRound(0.5, eligibleSites: 8, sampledSites: 4, minimumSurvivors: 3, secureAggregation: true).SamplingRate);
    }

    [Fact]
    public void Refuses_plans_and_counts_that_do_not_add_up()
    {
        var step = new DpAggregationStep(Settings(DifferentialPrivacyMode.Central));
        Assert.Throws<ArgumentOutOfRangeException>(() => step.PlanRound(0.5, eligibleSites: 3, sampledSites: 4, minimumSurvivors: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => step.PlanRound(0.5, eligibleSites: 4, sampledSites: 4, minimumSurvivors: 5));
        DpRoundPlan plan = step.PlanRound(0.5, 4, 4, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => step.Complete(plan, Zeros(3), survivors: 5, 0));
        DpRoundPlan distributedPlan = new DpAggregationStep(Settings(DifferentialPrivacyMode.Distributed)).PlanRound(0.5, 4, 4, 2);
        Assert.Throws<ArgumentException>(() => step.Complete(distributedPlan, Zeros(3), survivors: 2, 0));
    }
}
