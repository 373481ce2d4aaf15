using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Tests.SecureAggregation;

namespace FedFace.Core.Tests.Privacy;

public class DiscreteGaussianEncoderTests
{
    private static (RoundConfiguration Configuration, DiscreteGaussianEncoder Encoder) Round(DpSiteInstructions instructions, int modelLength, int sites = 4)
    {
        using var federation = new TestFederation(sites);
        RoundConfiguration configuration = RoundConfiguration.Create(2, federation.SiteIds, modelLength + SecureDpQuantization.ExtraCoordinates(instructions),
            SecureDpQuantization.For(new SecAggSettings(), instructions, modelLength));
        return (configuration, new DiscreteGaussianEncoder(configuration, instructions));
    }

    [Fact]
    public void A_zero_delta_comes_out_as_integer_noise_of_the_planned_variance_within_the_range_and_weight_one()
    {
        const int ModelLength = 100_000;
        var instructions = new DpSiteInstructions(ClipNorm: 0.5, UpdateNoiseStandardDeviation: 0.3, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0.6);
        (RoundConfiguration configuration, DiscreteGaussianEncoder encoder) = Round(instructions, ModelLength);
        float[] input = new float[ModelLength + 1];
        input[^1] = 0.5f; // the centred bit of an unclipped site, no noise on it yet

        using var random = new SeededRandomWords(21);
        int[] words = [.. encoder.Encode(input, random).Select(w => unchecked((int)w))];

        Assert.Equal(configuration.MaskedLength, words.Length);
        Assert.Equal(1, words[^1]);
        double variance = words[..ModelLength].Average(w => (double)w * w);
        Assert.InRange(variance / encoder.Noise.UpdateVariance, 1 - 5 * Math.Sqrt(2.0 / ModelLength), 1 + 5 * Math.Sqrt(2.0 / ModelLength));
        Assert.InRange(words[..ModelLength].Average(w => (double)w) / Math.Sqrt(encoder.Noise.UpdateVariance), -5 / Math.Sqrt(ModelLength), 5 / Math.Sqrt(ModelLength));
        Assert.All(words[..^1], w => Assert.InRange(w, -configuration.QuantizationLevels, configuration.QuantizationLevels));
        // In real units the noise is the share the instructions ask for.
        Assert.Equal(0.3, Math.Sqrt(encoder.Noise.UpdateVariance) * configuration.QuantizationStep, 6);
        double bit = words[ModelLength] * configuration.QuantizationStep;
        Assert.InRange(bit, 0.5 - 6 * 0.6, 0.5 + 6 * 0.6);
    }

    [Fact]
    public void Without_noise_the_clipped_delta_is_rounded_within_one_level_per_coordinate_and_within_the_norm_bound()
    {
        const int ModelLength = 20_000;
        var instructions = new DpSiteInstructions(ClipNorm: 1.0, UpdateNoiseStandardDeviation: 0, ReportsUnclippedIndicator: false, IndicatorNoiseStandardDeviation: 0);
        (RoundConfiguration configuration, DiscreteGaussianEncoder encoder) = Round(instructions, ModelLength);
        var generator = new Random(5);
        float[] input = [.. Enumerable.Range(0, ModelLength).Select(_ => (float)(generator.NextDouble() - 0.5))];
        double norm = Math.Sqrt(input.Sum(v => (double)v * v)); // about 40: clipped to 1

        using var random = new SeededRandomWords(22);
        int[] words = [.. encoder.Encode(input, random).Select(w => unchecked((int)w))];

        double step = configuration.QuantizationStep;
        for (int i = 0; i < ModelLength; i++) Assert.True(Math.Abs(words[i] - input[i] / norm / step) < 1, $"coordinate {i}");
        UInt128 squaredNorm = 0;
        foreach (int w in words[..ModelLength]) squaredNorm += (ulong)((long)w * w);
        Assert.True(squaredNorm <= encoder.Noise.NormSquaredBound);
    }

    [Fact]
    public void The_same_words_give_the_same_input_and_a_configuration_too_narrow_for_the_noise_is_refused()
    {
        var instructions = new DpSiteInstructions(0.5, 0.3, false, 0);
        (_, DiscreteGaussianEncoder encoder) = Round(instructions, 1000);
        float[] input = new float[1000];
        uint[] Encode(int seed)
        {
            using var random = new SeededRandomWords(seed);
            return encoder.Encode(input, random);
        }
        Assert.Equal(Encode(1), Encode(1));
        Assert.NotEqual(Encode(1), Encode(2));

        using var federation = new TestFederation(4);
        RoundConfiguration narrow = RoundConfiguration.Create(2, federation.SiteIds, 1000, new SecAggSettings());
        Assert.Throws<ArgumentException>(() => new DiscreteGaussianEncoder(narrow, instructions));
    }

    [Fact]
    public void A_site_refuses_a_coarser_grid_than_its_integer_noise_is_accounted_with()
    {
        var instructions = new DpSiteInstructions(0.5, 0.3, false, 0);
        using var federation = new TestFederation(4);
        SecAggSettings sized = SecureDpQuantization.For(new SecAggSettings(), instructions, 1000);
        RoundConfiguration heavier = RoundConfiguration.Create(2, federation.SiteIds, 1000, sized with { MaxWeightPerSite = 1000 });
        RoundConfiguration wider = RoundConfiguration.Create(2, federation.SiteIds, 1000, sized with { CoordinateBound = 2 * sized.CoordinateBound });

        Assert.Null(SecureDpQuantization.Problem(RoundConfiguration.Create(2, federation.SiteIds, 1000, sized), instructions));
        Assert.Contains("is coarser than the", SecureDpQuantization.Problem(heavier, instructions), StringComparison.Ordinal);
        Assert.Contains("is coarser than the", SecureDpQuantization.Problem(wider, instructions), StringComparison.Ordinal);
        // Central rounds add their noise in floats after unmasking: a wider range only coarsens rounding before it.
        Assert.Null(SecureDpQuantization.Problem(wider, instructions with { UpdateNoiseStandardDeviation = 0 }));
    }
}
