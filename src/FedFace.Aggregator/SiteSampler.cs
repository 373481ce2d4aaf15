using System.Security.Cryptography;

namespace FedFace.Aggregator;

/// <summary>
/// Picks a round's sites uniformly at random without replacement: with a CSPRNG, so nobody can predict or reproduce
/// the sample from a seed, or, for simulations that must repeat, with <see cref="Random"/> seeded by
/// Aggregator:SamplingSeed (Aggregator:DeterministicSampling).
/// </summary>
public sealed class SiteSampler
{
    private readonly Random? _seeded;

    private SiteSampler(Random? seeded) => _seeded = seeded;

    public static SiteSampler Secure() => new(null);

    public static SiteSampler Seeded(int seed) => new(new Random(seed));

    /// <summary><paramref name="wanted"/> of <paramref name="sites"/> (all of them if fewer), in ordinal order.</summary>
    public string[] Sample(IReadOnlyList<string> sites, int wanted)
    {
        string[] pool = [.. sites];
        int taken = Math.Min(wanted, pool.Length);
        for (int i = 0; i < taken; i++) // partial Fisher–Yates: pool[..taken] is a uniform sample
        {
            int j = i + Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return [.. pool[..taken].Order(StringComparer.Ordinal)];
    }

    private int Next(int exclusiveBound) => _seeded?.Next(exclusiveBound) ?? RandomNumberGenerator.GetInt32(exclusiveBound);
}
