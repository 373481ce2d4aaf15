using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>
/// RDP of the sampled Gaussian against closed forms, against TensorFlow Privacy's own expected values
/// (tensorflow_privacy/privacy/analysis/rdp_accountant_test.py), and against a direct numerical integration of the
/// Rényi divergence of the mixture written out here, independent of the series the code uses.
/// </summary>
public class SampledGaussianRdpTests
{
    [Theory]
    [InlineData(0.5, 1.5)]
    [InlineData(1.1, 2)]
    [InlineData(4.0, 7.3)]
    [InlineData(10.0, 20)]
    [InlineData(0.8, 63)]
    public void Without_sampling_it_is_the_Gaussian_mechanism_alpha_over_two_sigma_squared(double sigma, double order)
    {
        // Mironov 2017, Proposition 7; TF Privacy: compute_rdp(1, 10, 1, 20) == 0.1 exactly.
        Assert.Equal(order / (2 * sigma * sigma), SampledGaussianRdp.Compute(1, sigma, order));
        Assert.Equal(0.1, SampledGaussianRdp.Compute(1, 10, 20));
    }

    [Fact]
    public void No_sampling_costs_nothing_and_no_noise_costs_everything()
    {
        Assert.Equal(0, SampledGaussianRdp.Compute(0, 10, 20));
        Assert.Equal(double.PositiveInfinity, SampledGaussianRdp.Compute(0.1, 0, 2));
    }

    [Fact]
    public void Matches_TF_Privacy_compute_rdp_scalar()
    {
        // test_compute_rdp_scalar: compute_rdp(0.1, 2, 10, 5) ≈ 0.07737 (5 places).
        Assert.Equal(0.07737, SampledGaussianRdp.Compute(0.1, 2, [5.0], steps: 10)[0], 5);
    }

    [Fact]
    public void Matches_TF_Privacy_compute_rdp_sequence_at_integer_and_fractional_orders()
    {
        // test_compute_rdp_sequence: compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100]), rtol 1e-4.
        double[] expected = [6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02];
        double[] actual = SampledGaussianRdp.Compute(0.01, 2.5, [1.5, 2.5, 5, 50, 100], steps: 50);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * expected[i], $"order #{i}: {actual[i]} vs {expected[i]}");
        }
    }

    [Theory]
    [InlineData(0.01, 1.1, 2)]
    [InlineData(0.01, 1.1, 8)]
    [InlineData(0.01, 1.1, 8.5)]
    [InlineData(0.004, 1.1, 1.25)]
    [InlineData(0.05, 0.8, 3.3)]
    [InlineData(0.1, 2, 20.5)]
    [InlineData(0.001, 1, 1.5)]
    [InlineData(0.3, 5, 12.7)]
    [InlineData(0.5, 1.5, 6)]
    [InlineData(0.9, 3, 4.4)]
    public void Matches_a_direct_numerical_integration_of_the_Renyi_divergence(double q, double sigma, double order)
    {
        double expected = IntegratedRdp(q, sigma, order);
        double actual = SampledGaussianRdp.Compute(q, sigma, order);
        Assert.True(Math.Abs(actual - expected) <= 1e-7 * expected, $"RDP({order}) = {actual:R}, integration gives {expected:R}");
    }

    [Fact]
    public void Rejects_orders_at_or_below_one_and_rates_outside_the_unit_interval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussianRdp.Compute(0.1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussianRdp.Compute(1.5, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussianRdp.Compute(0.1, -1, 2));
    }

    /// <summary>
    /// RDP(α) = log(A_α)/(α − 1), A_α = ∫ μ₀(z) (μ(z)/μ₀(z))^α dz with μ₀ = N(0, σ²), μ = (1 − q)μ₀ + q·N(1, σ²)
    /// (Mironov, Talwar, Zhang 2019, Section 3). The integrand is smooth and decays like a Gaussian, where the
    /// trapezoidal rule converges geometrically; its mass lies between the two humps at 0 and α, so the grid spans
    /// [−20σ − 1, α + 20σ + 1] in steps of σ/100. Summed in log space: A_α − 1 can be 1e−6 of A_α.
    /// </summary>
    private static double IntegratedRdp(double q, double sigma, double order)
    {
        double twoSigmaSquared = 2 * sigma * sigma;
        double low = -20 * sigma - 1, high = order + 20 * sigma + 1, step = sigma / 100;
        int points = (int)Math.Ceiling((high - low) / step);
        double logNormaliser = -Math.Log(sigma * Math.Sqrt(2 * Math.PI));
        double logSum = double.NegativeInfinity;
        for (int i = 0; i <= points; i++)
        {
            double z = low + i * step;
            double logRatio = LogAddExp(Math.Log(1 - q), Math.Log(q) + (2 * z - 1) / twoSigmaSquared); // log μ/μ₀
            double logIntegrand = logNormaliser - z * z / twoSigmaSquared + order * logRatio;
            logSum = LogAddExp(logSum, logIntegrand);
        }
        double logA = logSum + Math.Log(step);
        return logA / (order - 1);
    }

    private static double LogAddExp(double a, double b)
    {
        double max = Math.Max(a, b);
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }
}
