namespace FedFace.Vision;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fast generator whose whole state is one number, so
/// every sample gets its own generator from (seed, sample index) and results do not depend on which
/// thread handles which sample, or in what order. Not for cryptography.
/// </summary>
public struct SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong seed) => _state = seed;

    /// <summary>The generator for one sample of one run: the same (seed, sample) always gives the same numbers.</summary>
    public static SeededRandom ForSample(int seed, long sampleIndex)
    {
        var mixer = new SeededRandom(unchecked((ulong)seed));
        ulong key = mixer.NextUInt64() ^ unchecked((ulong)sampleIndex * 0xD1B54A32D192ED03UL);
        return new SeededRandom(key);
    }

    public ulong NextUInt64()
    {
        unchecked
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public float Uniform(float low, float high) => (float)(low + (high - low) * NextDouble());

    public bool Chance(float probability) => NextDouble() < probability;

    /// <summary>Uniform in [0, <paramref name="count"/>).</summary>
    public int NextIndex(int count) => (int)(NextDouble() * count);
}
