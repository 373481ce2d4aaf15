using System.Numerics;
using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>
/// The exact sampler against the exact pmf, on seeded words (the words are the only randomness; the same seed gives the
/// same draws). Tolerances are several standard errors wide, and a chi-square test at significance 10⁻⁴, so a correct
/// sampler fails them with negligible probability while a biased coin or an off-by-one in the Laplace proposal does not pass.
/// </summary>
public class DiscreteGaussianSamplerTests
{
    [Theory]
    [InlineData(1UL, 11)]
    [InlineData(5UL, 12)]
    [InlineData(37UL, 13)]
    public void Draws_match_the_exact_pmf_by_chi_square(ulong variance, int seed)
    {
        const int Count = 200_000;
        using var random = new SeededRandomWords(seed);
        var sampler = new DiscreteGaussianSampler(variance, random);
        var counts = new Dictionary<long, int>();
        for (int i = 0; i < Count; i++)
        {
            long x = sampler.Next();
            counts[x] = counts.GetValueOrDefault(x) + 1;
        }

        // Bins: every x whose expected count is at least 20, and the two tails beyond them together.
        double[] pmf = ExactPmf(variance, out long range);
        var observed = new List<double>();
        var expected = new List<double>();
        double tailExpected = Count, tailObserved = Count;
        for (long x = -range; x <= range; x++)
        {
            double e = Count * pmf[x + range];
            if (e < 20) continue;
            expected.Add(e);
            observed.Add(counts.GetValueOrDefault(x));
            tailExpected -= e;
            tailObserved -= counts.GetValueOrDefault(x);
        }
        expected.Add(tailExpected);
        observed.Add(tailObserved);
        double chiSquare = observed.Zip(expected).Sum(p => (p.First - p.Second) * (p.First - p.Second) / Math.Max(p.Second, 1e-9));
        int degrees = expected.Count - 1;
        Assert.True(chiSquare < ChiSquareQuantile(degrees, z: 3.719), $"χ² = {chiSquare:F1} with {degrees} degrees of freedom");
    }

    [Fact]
    public void A_large_variance_gives_mean_zero_and_variance_sigma_squared_and_no_bias_in_the_sign_or_parity()
    {
        const int Count = 200_000;
        const ulong Variance = 1_000_000_000_000; // σ = 10⁶ levels, the order of a real round's noise
        using var random = new SeededRandomWords(7);
        var sampler = new DiscreteGaussianSampler(Variance, random);
        double sum = 0, sumOfSquares = 0;
        int odd = 0, negative = 0;
        for (int i = 0; i < Count; i++)
        {
            long x = sampler.Next();
            sum += x;
            sumOfSquares += (double)x * x;
            odd += (int)(x & 1);
            negative += x < 0 ? 1 : 0;
        }
        double sigma = Math.Sqrt(Variance), mean = sum / Count, variance = sumOfSquares / Count - mean * mean;
        Assert.InRange(mean / sigma, -5 / Math.Sqrt(Count), 5 / Math.Sqrt(Count));
        Assert.InRange(variance / Variance, 1 - 5 * Math.Sqrt(2.0 / Count), 1 + 5 * Math.Sqrt(2.0 / Count));
        Assert.InRange((double)odd / Count, 0.5 - 5 * 0.5 / Math.Sqrt(Count), 0.5 + 5 * 0.5 / Math.Sqrt(Count));
        Assert.InRange((double)negative / Count, 0.5 - 5 * 0.5 / Math.Sqrt(Count), 0.5 + 5 * 0.5 / Math.Sqrt(Count));
    }

    [Fact]
    public void The_same_words_give_the_same_draws_and_other_words_other_draws()
    {
        static long[] Draws(int seed)
        {
            using var random = new SeededRandomWords(seed);
            var sampler = new DiscreteGaussianSampler(1UL << 40, random);
            return [.. Enumerable.Range(0, 100).Select(_ => sampler.Next())];
        }
        Assert.Equal(Draws(3), Draws(3));
        Assert.NotEqual(Draws(3), Draws(4));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(DiscreteGaussianSampler.MaximumVariance + 1)]
    public void A_variance_outside_what_the_integer_arithmetic_holds_is_refused(ulong variance)
    {
        using var random = new SeededRandomWords(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianSampler(variance, random));
    }

    [Fact]
    public void The_largest_variance_draws_without_overflow()
    {
        using var random = new SeededRandomWords(5);
        var sampler = new DiscreteGaussianSampler(DiscreteGaussianSampler.MaximumVariance, random);
        double sigma = Math.Sqrt(DiscreteGaussianSampler.MaximumVariance);
        for (int i = 0; i < 1000; i++) Assert.InRange(sampler.Next() / sigma, -7, 7);
    }

    [Theory]
    [InlineData(0UL, 1UL)]
    [InlineData(1UL, 3UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(3UL, 2UL)]
    [InlineData(7UL, 2UL)]
    public void Coins_of_e_to_the_minus_a_ratio_land_with_that_probability(ulong numerator, ulong denominator)
    {
        const int Count = 400_000;
        using var random = new SeededRandomWords((int)(numerator * 31 + denominator));
        int heads = 0;
        for (int i = 0; i < Count; i++) heads += ExactBernoulli.ExpMinus(random, numerator, denominator) ? 1 : 0;
        double p = Math.Exp(-(double)numerator / denominator), spread = 5 * Math.Sqrt(p * (1 - p) / Count) + 1e-12;
        Assert.InRange((double)heads / Count, p - spread, p + spread);
    }

    [Theory]
    [InlineData(1UL, 3UL)]
    [InlineData(5UL, 8UL)]   // dyadic: p's digits run out
    [InlineData(2UL, 3UL)]
    [InlineData(0UL, 7UL)]
    [InlineData(7UL, 7UL)]
    [InlineData(ulong.MaxValue - 1, ulong.MaxValue)] // 2·remainder would overflow 64 bits
    public void Rational_coins_land_with_their_probability_in_every_integer_width(ulong numerator, ulong denominator)
    {
        const int Count = 200_000;
        using var random = new SeededRandomWords((int)(numerator % 1000 + denominator % 1000));
        int narrow = 0, wide = 0, big = 0;
        UInt128 scale = UInt128.One << 70;
        for (int i = 0; i < Count; i++)
        {
            narrow += ExactBernoulli.Bernoulli(random, numerator, denominator) ? 1 : 0;
            wide += ExactBernoulli.Bernoulli(random, numerator * scale, denominator * scale) ? 1 : 0;
            big += ExactBernoulli.Bernoulli(random, (BigInteger)numerator << 100, (BigInteger)denominator << 100) ? 1 : 0;
        }
        double p = (double)numerator / denominator, spread = 5 * Math.Sqrt(p * (1 - p) / Count) + 1e-12;
        Assert.All(new[] { narrow, wide, big }, heads => Assert.InRange((double)heads / Count, p - spread, p + spread));
    }

    [Fact]
    public void Uniform_integers_below_a_bound_cover_it_evenly_for_every_integer_width()
    {
        using var random = new SeededRandomWords(9);
        int[] small = new int[3], wide = new int[3], big = new int[3];
        UInt128 wideBound = (UInt128.One << 100) + 1;
        BigInteger bigBound = (BigInteger.One << 200) + 7;
        for (int i = 0; i < 90_000; i++)
        {
            small[ExactBernoulli.UniformBelow(random, 3UL)]++;
            wide[(int)(ExactBernoulli.UniformBelow(random, wideBound) * 3 / wideBound)]++;
            big[(int)(ExactBernoulli.UniformBelow(random, bigBound) * 3 / bigBound)]++;
        }
        foreach (int[] counts in new[] { small, wide, big })
        {
            Assert.All(counts, c => Assert.InRange(c, 30_000 - 800, 30_000 + 800)); // 5.5 standard deviations
        }
        Assert.Equal(0UL, ExactBernoulli.UniformBelow(random, 1UL));
    }

    [Theory]
    [InlineData(1UL, 1UL)]
    [InlineData(3UL, 1UL)]
    [InlineData(4UL, 2UL)]
    [InlineData(1UL << 60, 1UL << 30)]
    [InlineData((1UL << 60) - 1, (1UL << 30) - 1)]
    [InlineData(ulong.MaxValue, 4294967295UL)]
    public void The_integer_square_root_is_exact_where_doubles_round(ulong n, ulong root) =>
        Assert.Equal(root, DiscreteGaussianSampler.FloorSqrt(n));

    /// <summary>P(x) = e^(−x²/2σ²) / Σ_y e^(−y²/2σ²) for |x| ≤ range, the tail beyond below 10⁻³⁰.</summary>
    private static double[] ExactPmf(ulong variance, out long range)
    {
        range = (long)Math.Ceiling(12 * Math.Sqrt(variance)) + 2;
        double[] weights = new double[2 * range + 1];
        for (long x = -range; x <= range; x++) weights[x + range] = Math.Exp(-(double)x * x / (2.0 * variance));
        double total = weights.Sum();
        return [.. weights.Select(w => w / total)];
    }

    /// <summary>The χ² quantile by Wilson and Hilferty's cube-root normal approximation (z = 3.719: upper 10⁻⁴).</summary>
    private static double ChiSquareQuantile(int degrees, double z)
    {
        double k = degrees, a = 2 / (9 * k);
        return k * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
    }
}
