using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class InputQuantizerTests
{
    private static RoundConfiguration Configuration(int sites, int length, double clipNorm = 1e6, double bound = 1.0, long maxWeight = 50) =>
        new(1, Enumerable.Range(0, sites).Select(i => $"s{i}"), neighbourCount: 2, threshold: 2, new byte[32], length, clipNorm, bound, maxWeight);

    [Fact]
    public void The_decoded_weighted_mean_is_within_one_step_of_the_exact_mean()
    {
        const int Sites = 20, Length = 2000;
        RoundConfiguration configuration = Configuration(Sites, Length);
        var quantizer = new InputQuantizer(configuration);
        var random = new Random(11);
        uint[] sum = new uint[configuration.MaskedLength];
        double[] exact = new double[Length];
        long totalWeight = 0;
        for (int s = 0; s < Sites; s++)
        {
            float[] delta = [.. Enumerable.Range(0, Length).Select(_ => (random.NextSingle() - 0.5f) * 1.9f)];
            int weight = random.Next(1, 51);
            uint[] encoded = quantizer.Encode(delta, weight);
            for (int i = 0; i < sum.Length; i++) sum[i] += encoded[i];
            for (int i = 0; i < Length; i++) exact[i] += weight * (double)delta[i];
            totalWeight += weight;
        }
        (float[] weightedSum, long decodedWeight) = quantizer.Decode(sum);
        Assert.Equal(totalWeight, decodedWeight);
        double worst = Enumerable.Range(0, Length).Max(i => Math.Abs(weightedSum[i] / (double)totalWeight - exact[i] / totalWeight));
        Assert.True(worst <= configuration.ErrorBound * (1 + 1e-6), $"worst error {worst:g4} exceeds the stated bound {configuration.ErrorBound:g4}");
        // Stochastic rounding is unbiased: the typical error is far below the worst case.
        double meanError = Enumerable.Range(0, Length).Average(i => Math.Abs(weightedSum[i] / (double)totalWeight - exact[i] / totalWeight));
        Assert.True(meanError < configuration.ErrorBound / 3, $"mean error {meanError:g4}");
    }

    [Fact]
    public void The_largest_inputs_at_the_largest_weights_do_not_wrap()
    {
        const int Sites = 5;
        RoundConfiguration configuration = Configuration(Sites, 4, bound: 1.0, maxWeight: 1000);
        var quantizer = new InputQuantizer(configuration);
        foreach (float extreme in new[] { 1f, -1f, 50f, -50f })
        {
            uint[] sum = new uint[configuration.MaskedLength];
            for (int s = 0; s < Sites; s++)
            {
                uint[] encoded = quantizer.Encode([extreme, extreme, extreme, extreme], 1000);
                for (int i = 0; i < sum.Length; i++) sum[i] += encoded[i];
            }
            int[] levels = quantizer.ToSigned(sum);
            long expected = Math.Sign(extreme) * (long)configuration.QuantizationLevels * 5000;
            Assert.Equal(expected, levels[0]);
            Assert.Equal(5000, levels[^1]);
        }
    }

    [Fact]
    public void Deltas_are_clipped_to_the_L2_norm_then_to_the_coordinate_bound()
    {
        RoundConfiguration configuration = Configuration(3, 2, clipNorm: 0.5, bound: 1.0, maxWeight: 1);
        var quantizer = new InputQuantizer(configuration);
        (float[] decoded, _) = quantizer.Decode(quantizer.Encode([3f, 4f], 1)); // norm 5 → (0.3, 0.4)
        double tolerance = configuration.QuantizationStep + 1e-7; // one level, and the float32 output's rounding
        Assert.Equal(0.3, decoded[0], tolerance);
        Assert.Equal(0.4, decoded[1], tolerance);

        RoundConfiguration tight = Configuration(3, 2, clipNorm: 100, bound: 0.25, maxWeight: 1);
        var clipping = new InputQuantizer(tight);
        (float[] bounded, _) = clipping.Decode(clipping.Encode([3f, -0.1f], 1));
        Assert.Equal(0.25, bounded[0], 1e-7);
        Assert.Equal(-0.1, bounded[1], tight.QuantizationStep + 1e-7);
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        var quantizer = new InputQuantizer(Configuration(3, 2));
        Assert.Throws<ArgumentException>(() => quantizer.Encode([1f], 1));
        Assert.Throws<ArgumentException>(() => quantizer.Encode([float.NaN, 0f], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => quantizer.Encode([0f, 0f], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => quantizer.Encode([0f, 0f], 51));
    }
}
