using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Tests.SecureAggregation;
using FedFace.Testing;

namespace FedFace.Core.Tests.Privacy;

/// <summary>
/// DP-FedAvg inside SecAgg+ rounds, run in process: sites clip their deltas and form the centred bit, the bit rides as the
/// masked vector's extra coordinate, distributed noise shares are added in integers after quantization
/// (<see cref="DiscreteGaussianEncoder"/>), every site weighs 1, and the round's range comes from
/// <see cref="SecureDpQuantization"/>. The unmasked sum must be the plain DP sum up to quantization, and carry the noise
/// the accountant is told.
/// </summary>
public sealed class SecureDpRoundTests
{
    private static readonly (string, long[])[] s_layout = [("conv.weight", [16, 3, 3, 3]), ("fc.weight", [40, 16])];

    [Fact]
    public void With_no_noise_the_secure_sum_and_clipped_count_equal_the_plain_DP_sum_and_count_within_the_quantization_bound()
    {
        using var federation = new TestFederation(5);
        var instructions = new DpSiteInstructions(ClipNorm: 1.0, UpdateNoiseStandardDeviation: 0, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0);
        // Norms from about 0.4 to 4: some sites are clipped, some are not.
        ModelState[] deltas = [.. federation.SiteIds.Select((_, i) => Models.Random(seed: 40 + i, scale: 0.02f + 0.04f * i, s_layout))];
        DpSiteContribution[] plain = [.. deltas.Select(d => DpSiteStep.Protect(d, instructions))];
        Assert.Contains(plain, c => c.Clipping.WasClipped);
        Assert.Contains(plain, c => !c.Clipping.WasClipped);

        SecureDpRun secure = SecureDpRun.Of(federation, instructions, plain);

        Assert.Equal(SecureDpQuantization.SiteWeight * 5, secure.Result.TotalWeight);
        // Each of the 5 inputs is off by less than one step per coordinate.
        double bound = 5 * secure.Round.QuantizationStep;
        Assert.True(bound < 1e-7, $"the bound {bound} is too loose to mean anything");
        ModelState sum = secure.Layout.Unflatten(secure.Result.WeightedSum);
        foreach (NamedTensor tensor in sum.Tensors)
        {
            for (int i = 0; i < tensor.Values.Length; i++)
            {
                double expected = plain.Sum(c => (double)c.Delta[tensor.Name].Values[i]);
                Assert.True(Math.Abs(tensor.Values[i] - expected) <= bound + 1e-6, $"{tensor.Name}[{i}]: secure {tensor.Values[i]}, plain {expected}");
            }
        }
        float count = Assert.Single(secure.Layout.ExtrasOf(secure.Result.WeightedSum));
        Assert.Equal(plain.Sum(c => (double)c.UnclippedIndicator), count, bound + 1e-6);
    }

    [Theory]
    [InlineData(SecAggStage.MaskedInput, 4)] // two sites never send their masked input: exactly the fewest survivors k
    [InlineData(SecAggStage.Unmask, 6)]      // two sites vanish after sending it: their inputs, noise shares included, stay in the sum
    public void Distributed_noise_shares_sized_for_the_fewest_survivors_carry_at_least_the_accounted_noise_when_sites_drop(SecAggStage dropAt, int contributors)
    {
        using var federation = new TestFederation(6);
        var settings = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1.0, ClipNorm = 0.5, EpsilonBudget = 100 };
        var step = new DpAggregationStep(settings);
        int fewestSurvivors = new SecAggSettings().MinimumSurvivors(6);
        Assert.Equal(4, fewestSurvivors); // six sites: complete graph, k = 5, t = 3
        DpRoundPlan plan = step.PlanRound(settings.ClipNorm, eligibleSites: 6, sampledSites: 6, minimumSurvivors: fewestSurvivors, secureAggregation: true);
        Assert.True(plan.IntegerNoise);
        int modelLength = 20_000;
        ModelState zeros = new([NamedTensor.Zeros("w", [modelLength])]);
        DpSiteContribution[] clippedOnly = [.. federation.SiteIds.Select(_ => DpSiteStep.Protect(zeros, plan.SiteInstructions, noiseAfterQuantization: true))];
        Assert.All(clippedOnly, c => Assert.All(c.Delta["w"].Values, v => Assert.Equal(0f, v))); // no floating-point noise before quantization

        SecureDpRun secure = SecureDpRun.Of(federation, plan.SiteInstructions, clippedOnly, dropouts: ["site-02", "site-05"], dropAt);

        Assert.Equal(contributors, secure.Result.Contributors.Count);
        ModelState sum = secure.Layout.Unflatten(secure.Result.WeightedSum);
        DpRoundOutcome outcome = step.Complete(plan, sum, contributors, unclippedIndicatorSum: 0);
        // The sum carries every contributor's share, z·√(s/k) ≥ z; the accountant hears the others' shares only, as discrete
        // Gaussians whose bound is the Gaussian figure z·√((s − 1)/k) to within the rounding's norm slack.
        double carried = Math.Sqrt(contributors / 4.0);
        Assert.True(carried >= settings.NoiseMultiplier);
        Assert.Equal(plan.ExactNoise(modelLength).NoiseMultiplier(contributors - 1), outcome.RealisedNoiseMultiplier);
        Assert.Equal(Math.Sqrt((contributors - 1) / 4.0), outcome.RealisedNoiseMultiplier, 6);
        Assert.True(outcome.RealisedNoiseMultiplier >= plan.AccountedNoiseMultiplier);
        // The sample deviation of 20,000 draws is within 0.5% of the truth (one standard error); 5% is ten of them.
        double deviation = StandardDeviation(sum["w"].Values);
        Assert.InRange(deviation / (carried * settings.ClipNorm), 0.95, 1.05);
    }

    [Fact]
    public void The_DP_round_range_holds_the_clipped_and_noised_values_and_a_narrower_configuration_is_refused_naming_both_bounds()
    {
        using var federation = new TestFederation(4);
        var instructions = new DpSiteInstructions(ClipNorm: 2.0, UpdateNoiseStandardDeviation: 0.5, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0.3);
        int modelLength = 1000;
        SecAggSettings sized = SecureDpQuantization.For(new SecAggSettings(), instructions, modelLength);
        RoundConfiguration fits = RoundConfiguration.Create(3, federation.SiteIds, modelLength + 1, sized);
        RoundConfiguration plain = RoundConfiguration.Create(3, federation.SiteIds, modelLength + 1, new SecAggSettings());

        Assert.Null(SecureDpQuantization.Problem(fits, instructions));
        Assert.Equal(1, fits.MaxWeightPerSite);
        // Coordinates: C plus the noise's maximum over 1,000 draws, σ(√(2 ln 2000) + 8); the bit: ½ + 8σ_b.
        Assert.Equal(2.0 + 0.5 * (Math.Sqrt(2 * Math.Log(2000)) + 8), fits.CoordinateBound, 12);
        Assert.Equal(DpUpdateCheck.NormBound(instructions, modelLength) + 0.5 + 8 * 0.3, fits.ClipNorm, 12);
        string refusal = SecureDpQuantization.Problem(plain, instructions)!;
        Assert.Equal(FormattableString.Invariant(
            $"round 3's secure aggregation (coordinate bound 1, clip norm 10) cannot hold the round's clipped and noised delta (needs {fits.CoordinateBound:G4} and {fits.ClipNorm:G4}): quantization would clip the DP noise"),
            refusal);
    }

    [Fact]
    public void A_secure_round_of_n_sites_unmasks_with_no_fewer_than_t_plus_one_masked_inputs()
    {
        Assert.Equal(3, new SecAggSettings().MinimumSurvivors(4));   // k = 3, t = 2
        Assert.Equal(5, new SecAggSettings().MinimumSurvivors(8));   // k = 7, t = 4
        using var federation = new TestFederation(4);
        RoundConfiguration round = federation.Round();
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 3);
        InProcessSecAggRound twoLeft = federation.InProcess(round);
        twoLeft.Dropouts["site-01"] = twoLeft.Dropouts["site-02"] = SecAggStage.MaskedInput;
        Assert.Throws<SecAggAbortedException>(() => twoLeft.Run(site => inputs[site]));
    }

    private static double StandardDeviation(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    /// <summary>One secure DP round in process, each site encoding its clipped delta as the site agent does (SecAggParticipant).</summary>
    private sealed record SecureDpRun(SecAggResult Result, RoundConfiguration Round, ModelVectorLayout Layout)
    {
        public static SecureDpRun Of(TestFederation federation, DpSiteInstructions instructions, DpSiteContribution[] contributions,
            string[]? dropouts = null, SecAggStage dropAt = SecAggStage.MaskedInput)
        {
            var layout = ModelVectorLayout.Of(contributions[0].Delta, SecureDpQuantization.ExtraCoordinates(instructions));
            RoundConfiguration round = RoundConfiguration.Create(9, federation.SiteIds, layout.Length,
                SecureDpQuantization.For(new SecAggSettings(), instructions, layout.ModelLength));
            Assert.Null(SecureDpQuantization.Problem(round, instructions));
            var quantizer = new InputQuantizer(round);
            DiscreteGaussianEncoder? integerNoise = instructions.AddsNoise ? new DiscreteGaussianEncoder(round, instructions) : null;
            var bySite = federation.SiteIds.Zip(contributions).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            InProcessSecAggRound run = federation.InProcess(round);
            foreach (string site in dropouts ?? [])
            {
                run.Dropouts[site] = dropAt;
            }
            SecAggRoundReport report = run.Run(site =>
            {
                DpSiteContribution contribution = bySite[site];
                float[] extras = instructions.ReportsUnclippedIndicator ? [contribution.UnclippedIndicator] : [];
                float[] vector = layout.Flatten(contribution.Delta, extras);
                if (integerNoise is null) return quantizer.Encode(vector, SecureDpQuantization.SiteWeight);
                using var random = new CryptoRandomWords();
                return integerNoise.Encode(vector, random);
            });
            return new SecureDpRun(report.Result, round, layout);
        }
    }
}
