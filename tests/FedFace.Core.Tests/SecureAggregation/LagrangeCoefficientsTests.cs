using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class LagrangeCoefficientsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 3)]
    [InlineData(107, 4)]
    public void Coefficients_with_one_batched_inversion_equal_those_with_one_inversion_each(int count, int seed)
    {
        var random = new Random(seed);
        int[] points = [.. Enumerable.Range(1, 1000).OrderBy(_ => random.Next()).Take(count)];
        Assert.Equal(StraightforwardLagrangeAtZero(points), new LagrangeCoefficients().AtZero(points));
    }

    [Fact]
    public void Inverting_all_at_once_equals_inverting_each()
    {
        var random = new Random(5);
        ulong[] values = [.. Enumerable.Range(0, 50).Select(_ => (ulong)random.NextInt64(1, (long)Mersenne61.Prime))];
        Assert.Equal(values.Select(Mersenne61.Inverse), Mersenne61.InverseAll(values));
        Assert.Empty(Mersenne61.InverseAll([]));
        Assert.Throws<DivideByZeroException>(() => Mersenne61.InverseAll([3, 0, 5]));
    }

    [Fact]
    public void Secrets_at_the_same_points_reuse_one_set_and_a_changed_holder_set_gets_its_own()
    {
        int[] everyone = [2, 3, 5, 7, 11, 13];
        var cache = new LagrangeCoefficients();
        for (int i = 0; i < 5; i++)
        {
            byte[] secret = RandomNumberGenerator.GetBytes(32);
            Assert.Equal(secret, ShamirSecretSharing.Reconstruct(ShamirSecretSharing.Split(secret, 4, everyone)[..4], 4, cache));
        }
        Assert.Equal(1, cache.SetsComputed);

        // The holder at point 5 is gone: the first four by x are now 2, 3, 7, 11, a set the cache has not seen.
        byte[] other = RandomNumberGenerator.GetBytes(32);
        SecretShare[] shares = ShamirSecretSharing.Split(other, 4, everyone);
        Assert.Equal(other, ShamirSecretSharing.Reconstruct([shares[0], shares[1], shares[3], shares[4], shares[5]], 4, cache));
        Assert.Equal(2, cache.SetsComputed);
        // And the first set is still what it was.
        byte[] again = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(again, ShamirSecretSharing.Reconstruct(ShamirSecretSharing.Split(again, 4, everyone)[..4], 4, cache));
        Assert.Equal(2, cache.SetsComputed);
    }

    [Fact]
    public void A_wrong_share_is_still_caught_when_the_coefficients_come_from_the_cache()
    {
        int[] points = [1, 2, 3, 4];
        var cache = new LagrangeCoefficients();
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        SecretShare[] shares = ShamirSecretSharing.Split(secret, 3, points);
        Assert.Equal(secret, ShamirSecretSharing.Reconstruct(shares[..3], 3, cache));
        var random = new Random(9);
        SecretShare altered = shares[1] with { Chunks = [.. shares[1].Chunks.Select(_ => (ulong)random.NextInt64(0, (long)Mersenne61.Prime))] };
        Assert.Throws<InconsistentSharesException>(() => ShamirSecretSharing.Reconstruct([shares[0], altered, shares[2]], 3, cache));
    }

    /// <summary>The textbook formula, λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ) with one inversion per coefficient: the reference.</summary>
    private static ulong[] StraightforwardLagrangeAtZero(int[] points) =>
        [.. points.Select((xi, i) =>
        {
            ulong numerator = 1, denominator = 1;
            for (int j = 0; j < points.Length; j++)
            {
                if (j == i) continue;
                numerator = Mersenne61.Multiply(numerator, (ulong)points[j]);
                denominator = Mersenne61.Multiply(denominator, Mersenne61.Subtract((ulong)points[j], (ulong)xi));
            }
            return Mersenne61.Multiply(numerator, Mersenne61.Inverse(denominator));
        })];
}
