using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class ShamirSecretSharingTests
{
    private static readonly int[] s_points = [3, 5, 8, 9, 12, 20, 21];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void Any_t_shares_reconstruct_the_secret(int threshold)
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        SecretShare[] shares = ShamirSecretSharing.Split(secret, threshold, s_points);
        var random = new Random(threshold);
        for (int trial = 0; trial < 10; trial++)
        {
            SecretShare[] subset = [.. shares.OrderBy(_ => random.Next()).Take(threshold + random.Next(0, shares.Length - threshold + 1))];
            Assert.Equal(secret, ShamirSecretSharing.Reconstruct(subset, threshold));
        }
    }

    [Fact]
    public void Extreme_secrets_survive_the_chunking()
    {
        foreach (byte fill in new byte[] { 0x00, 0xFF })
        {
            byte[] secret = Enumerable.Repeat(fill, 32).ToArray();
            Assert.Equal(secret, ShamirSecretSharing.Reconstruct(ShamirSecretSharing.Split(secret, 3, s_points), 3));
        }
    }

    [Fact]
    public void Fewer_than_t_shares_are_refused_with_a_clear_error()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        SecretShare[] shares = ShamirSecretSharing.Split(secret, 4, s_points);
        var error = Assert.Throws<InsufficientSharesException>(() => ShamirSecretSharing.Reconstruct(shares[..3], 4));
        Assert.Equal(3, error.Available);
        Assert.Equal(4, error.Threshold);
        Assert.Contains("at least 4 shares", error.Message);
        // Claiming a lower threshold does not help: t − 1 shares of a degree-(t − 1) polynomial give a wrong
        // value, which the chunk range check refuses.
        Assert.ThrowsAny<InvalidOperationException>(() => ShamirSecretSharing.Reconstruct(shares[..3], 3));
    }

    [Fact]
    public void A_randomly_corrupted_share_is_detected()
    {
        // Random corruption only: a deliberate small shift can stay in range, which is why the server also
        // checks rebuilt secrets against the owner's signed commitment and public key.
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        SecretShare[] shares = ShamirSecretSharing.Split(secret, 3, s_points);
        ulong[] garbage = new ulong[ShamirSecretSharing.ChunkCount];
        Mersenne61.FillRandom(garbage);
        SecretShare altered = shares[1] with { Chunks = garbage };
        Assert.Throws<InconsistentSharesException>(() => ShamirSecretSharing.Reconstruct([shares[0], altered, shares[2]], 3));
    }

    [Fact]
    public void Shares_round_trip_through_bytes_and_fewer_than_t_look_uniform()
    {
        SecretShare[] shares = ShamirSecretSharing.Split(new byte[32], 3, s_points);
        Assert.All(shares, s => Assert.Equal(s.Chunks, SecretShare.FromBytes(s.X, s.ToBytes()).Chunks));
        Assert.Equal(40, shares[0].ToBytes().Length);
        // A secret of zeros must not show in a single share (its chunks are random field elements).
        Assert.All(shares, s => Assert.Contains(s.Chunks, c => c > 1UL << 56));
    }

    [Fact]
    public void Bad_points_and_duplicates_are_refused()
    {
        byte[] secret = new byte[32];
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [0, 1]));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [4, 4]));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 3, [1, 2]));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(new byte[31], 1, [1]));
        SecretShare[] shares = ShamirSecretSharing.Split(secret, 2, [1, 2]);
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Reconstruct([shares[0], shares[0]], 2));
        Assert.Throws<FormatException>(() => SecretShare.FromBytes(1, new byte[39]));
        Assert.Throws<FormatException>(() => SecretShare.FromBytes(1, Enumerable.Repeat((byte)0xFF, 40).ToArray()));
    }
}
