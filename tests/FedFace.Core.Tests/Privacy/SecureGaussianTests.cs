using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>
/// Statistical checks on a million draws. Tolerances are several standard errors wide (the mean's is σ/√n = 0.0025σ,
/// the variance's √(2/n) = 0.14%), so a correct sampler fails them with negligible probability.
/// </summary>
public class SecureGaussianTests
{
    private const int Count = 1_000_000;

    [Fact]
    public void A_million_draws_have_the_right_mean_variance_and_shape()
    {
        const double Sigma = 2.5;
        double[] draws = new double[Count];
        SecureGaussian.Fill(draws, Sigma);

        double mean = draws.Average();
        double variance = draws.Sum(x => (x - mean) * (x - mean)) / (Count - 1);
        double withinOneSigma = draws.Count(x => Math.Abs(x) <= Sigma) / (double)Count;
        double beyondThreeSigma = draws.Count(x => Math.Abs(x) > 3 * Sigma) / (double)Count;
        double fourthMoment = draws.Average(x => Math.Pow((x - mean) / Sigma, 4));

        Assert.InRange(mean, -0.015, 0.015); // 6 standard errors
        Assert.InRange(variance / (Sigma * Sigma), 0.99, 1.01);
        Assert.InRange(withinOneSigma, 0.6827 - 0.003, 0.6827 + 0.003);
        Assert.InRange(beyondThreeSigma, 0.0027 - 0.0004, 0.0027 + 0.0004);
        Assert.InRange(fourthMoment, 2.95, 3.05); // Gaussian kurtosis 3
    }

    [Fact]
    public void Neighbouring_draws_are_uncorrelated()
    {
        // Box-Muller yields its draws in pairs from one (r, θ); the pairs must still be independent.
        double[] draws = new double[Count];
        SecureGaussian.Fill(draws, 1);
        double lagOne = 0, lagHalfBlock = 0;
        for (int i = 0; i + 2048 < Count; i++)
        {
            lagOne += draws[i] * draws[i + 1];
            lagHalfBlock += draws[i] * draws[i + 2048]; // the sine and cosine of one pair sit 2048 apart in a block
        }
        Assert.InRange(lagOne / Count, -0.006, 0.006);
        Assert.InRange(lagHalfBlock / Count, -0.006, 0.006);
    }

    [Fact]
    public void Add_puts_fresh_noise_on_every_value()
    {
        float[] values = Enumerable.Repeat(3f, Count).ToArray();
        SecureGaussian.Add(values, 0.5);
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (Count - 1);
        Assert.InRange(mean, 3 - 0.003, 3 + 0.003);
        Assert.InRange(variance / 0.25, 0.99, 1.01);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4095)]
    [InlineData(4097)]
    public void Odd_lengths_and_block_boundaries_are_filled_to_the_last_value(int length)
    {
        double[] draws = new double[length];
        SecureGaussian.Fill(draws, 1);
        Assert.DoesNotContain(0.0, draws);
        Assert.NotEqual(draws[^1], SecureGaussian.Next(1));
    }

    [Fact]
    public void Zero_noise_changes_nothing_and_negative_noise_is_refused()
    {
        float[] values = [1f, 2f];
        SecureGaussian.Add(values, 0);
        Assert.Equal([1f, 2f], values);
        Assert.Throws<ArgumentOutOfRangeException>(() => SecureGaussian.Add(values, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecureGaussian.Add(values, double.NaN));
    }
}
