using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>
/// Kairouz, Liu and Steinke's bound against the Rényi divergence computed directly: the pmf of a sum of n discrete
/// Gaussians by convolution, shifted by the sensitivity 1, D_α(P‖Q) = log Σ P^α Q^(1−α) / (α − 1) summed in log space.
/// </summary>
public class DiscreteGaussianSumPrivacyTests
{
    [Theory]
    [InlineData(0.25, 2)] // σ = ½: the sum is far from a discrete Gaussian, and the τ term is what keeps the bound above it
    [InlineData(1.0, 2)]
    [InlineData(1.0, 3)]
    [InlineData(2.0, 2)]
    public void The_bound_holds_over_the_directly_computed_Renyi_divergence_and_is_tight_once_sigma_is_one(double variance, int summands)
    {
        double epsilonSquared = DiscreteGaussianSumPrivacy.EpsilonSquared(sensitivitySquared: 1, variance, dimension: 1, summands);
        double[] logPmf = LogPmfOfSum(variance, summands, range: 40);
        foreach (double alpha in new[] { 2.0, 4.0, 8.0 })
        {
            double exact = RenyiDivergenceOfUnitShift(logPmf, alpha);
            double bound = alpha * epsilonSquared / 2;
            Assert.True(exact <= bound * (1 + 1e-12), $"α = {alpha}: D_α = {exact} exceeds the bound {bound}");
            // The continuous Gaussian's α/(2nσ²) is what a sum of wide enough discrete Gaussians approaches.
            if (variance >= 1) Assert.InRange(bound / exact, 1, 1.005);
        }
    }

    [Fact]
    public void A_single_share_is_exactly_a_discrete_Gaussian_and_wide_shares_leave_no_tau()
    {
        Assert.Equal(0, DiscreteGaussianSumPrivacy.Tau(0.25, summands: 1));
        Assert.Equal(0, DiscreteGaussianSumPrivacy.Tau(100, summands: 1000)); // e^(−2π²·100·½) underflows
        Assert.Equal(10 * Math.Exp(-Math.PI * Math.PI), DiscreteGaussianSumPrivacy.Tau(1, summands: 2), 15);
        Assert.Equal(4.0 / (3 * 100), DiscreteGaussianSumPrivacy.EpsilonSquared(4, 100, dimension: 1_000_000, summands: 3), 15);
    }

    [Fact]
    public void Impossible_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscreteGaussianSumPrivacy.EpsilonSquared(1, 0.2, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscreteGaussianSumPrivacy.EpsilonSquared(double.NaN, 1, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscreteGaussianSumPrivacy.EpsilonSquared(1, 1, 1, 0));
    }

    /// <summary>log P(Z = z) for Z the sum of <paramref name="summands"/> draws of N_ℤ(0, σ²), z ∈ [−range·n, range·n].</summary>
    private static double[] LogPmfOfSum(double variance, int summands, int range)
    {
        double[] one = [.. Enumerable.Range(-range, 2 * range + 1).Select(x => Math.Exp(-(double)x * x / (2 * variance)))];
        double total = one.Sum();
        double[] pmf = [.. one.Select(p => p / total)];
        double[] sum = pmf;
        for (int i = 1; i < summands; i++)
        {
            double[] next = new double[sum.Length + pmf.Length - 1];
            for (int a = 0; a < sum.Length; a++)
                for (int b = 0; b < pmf.Length; b++) next[a + b] += sum[a] * pmf[b];
            sum = next;
        }
        return [.. sum.Select(p => Math.Log(p))];
    }

    /// <summary>D_α(Z + 1 ‖ Z), over the support where both are representable (the far tails weigh below e⁻⁷⁰⁰).</summary>
    private static double RenyiDivergenceOfUnitShift(double[] logPmf, double alpha)
    {
        var terms = new List<double>();
        for (int z = 1; z < logPmf.Length; z++)
        {
            double logP = logPmf[z - 1], logQ = logPmf[z]; // P(z) = P(Z = z − 1)
            if (double.IsFinite(logP) && double.IsFinite(logQ) && logP > -700 && logQ > -700) terms.Add(alpha * logP + (1 - alpha) * logQ);
        }
        double max = terms.Max();
        return (max + Math.Log(terms.Sum(t => Math.Exp(t - max)))) / (alpha - 1);
    }
}
