using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class AdaptiveClippingTests
{
    [Fact]
    public void The_clip_shrinks_when_too_many_sites_fit_under_it_and_grows_when_too_few()
    {
        var adaptive = new AdaptiveClipping(targetQuantile: 0.5, learningRate: 0.2);
        Assert.Equal(2 * Math.Exp(-0.2 * 0.3), adaptive.NextClipNorm(2, unclippedFraction: 0.8), 14);
        Assert.Equal(2 * Math.Exp(0.2 * 0.5), adaptive.NextClipNorm(2, unclippedFraction: 0.0), 14);
        Assert.Equal(2, adaptive.NextClipNorm(2, unclippedFraction: 0.5));
    }

    [Theory]
    [InlineData(0.5, 0.01)]
    [InlineData(0.5, 1000.0)]
    [InlineData(0.2, 0.01)]
    [InlineData(0.8, 1000.0)]
    public void The_clip_settles_at_the_target_quantile_of_the_update_norms(double targetQuantile, double startClip)
    {
        // 100 sites whose update norms are 1, 2, …, 100: the γ-quantile is about 100γ. The clipped count carries the
        // noise σ_b = 5 of a DP round (±0.05 on the fraction), as the aggregator would see it.
        const int Sites = 100;
        const double CountNoise = 5;
        double[] norms = [.. Enumerable.Range(1, Sites).Select(i => (double)i)];
        var adaptive = new AdaptiveClipping(targetQuantile, learningRate: 0.2);
        double clip = startClip;
        var late = new List<double>();
        for (int round = 0; round < 400; round++)
        {
            double centredSum = norms.Sum(n => AdaptiveClipping.CentredIndicator(new ClippingOutcome(n, clip)));
            double fraction = AdaptiveClipping.UnclippedFraction(centredSum + SecureGaussian.Next(CountNoise), Sites);
            clip = adaptive.NextClipNorm(clip, fraction);
            if (round >= 300) late.Add(clip);
        }
        double target = Sites * targetQuantile;
        Assert.InRange(late.Average(), 0.85 * target, 1.15 * target);
    }

    [Fact]
    public void The_fraction_comes_from_centred_bits_over_the_sampled_sites()
    {
        Assert.Equal(1.0, AdaptiveClipping.UnclippedFraction(+0.5 * 8, sampledSites: 8));
        Assert.Equal(0.0, AdaptiveClipping.UnclippedFraction(-0.5 * 8, sampledSites: 8));
        Assert.Equal(0.75, AdaptiveClipping.UnclippedFraction(+0.5 * 6 - 0.5 * 2, sampledSites: 8));
        // Two of eight dropped out, both survivors unclipped: the fixed denominator pulls b̃ toward ½.
        Assert.Equal(0.625, AdaptiveClipping.UnclippedFraction(+0.5 * 2, sampledSites: 8));
        Assert.Equal(0.5f, AdaptiveClipping.CentredIndicator(new ClippingOutcome(1.0, 1.0)));
        Assert.Equal(-0.5f, AdaptiveClipping.CentredIndicator(new ClippingOutcome(1.01, 1.0)));
    }

    [Fact]
    public void The_update_keeps_what_the_count_leaves_of_the_noise_multiplier()
    {
        // Andrew et al. 2021, Theorem 1: σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2).
        Assert.Equal(1 / Math.Sqrt(1 - 1 / 400.0), AdaptiveClipping.UpdateNoiseMultiplier(1, 10), 14);
        Assert.Equal(1 / Math.Sqrt(1 / 4.0 - 1 / 16.0), AdaptiveClipping.UpdateNoiseMultiplier(2, 2), 14);
        // Composing σ_Δ for the update with 2σ_b for the count gives back z.
        double updateNoise = AdaptiveClipping.UpdateNoiseMultiplier(1.3, 1.7);
        Assert.Equal(1.3, Math.Pow(Math.Pow(updateNoise, -2) + Math.Pow(2 * 1.7, -2), -0.5), 12);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AdaptiveClipping.UpdateNoiseMultiplier(1, 0.5));
        Assert.Contains("must exceed z/2", error.Message);
    }

    [Theory]
    [InlineData(0, 0.2)]
    [InlineData(1, 0.2)]
    [InlineData(0.5, 0)]
    public void Refuses_a_quantile_outside_the_unit_interval_or_no_learning_rate(double quantile, double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveClipping(quantile, rate));
    }
}
