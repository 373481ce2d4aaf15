namespace FedFace.Core.SecureAggregation;

/// <summary>
/// t-of-n Shamir secret sharing of 32-byte secrets (self-mask seeds and X25519 private keys) over
/// GF(2⁶¹ − 1). A 32-byte secret is cut into five chunks of at most 56 bits (7, 7, 7, 7 and 4 bytes,
/// each below the prime); every chunk gets its own random polynomial of degree t − 1 and all five are
/// evaluated at the holder's point x. Chunks are independent, so fewer than t shares reveal nothing about
/// any of them; a share is 5 × 8 = 40 bytes.
/// </summary>
public static class ShamirSecretSharing
{
    public const int SecretBytes = 32;
    public const int ChunkCount = 5;
    private const int ChunkBytes = 7;

    /// <summary>Shares <paramref name="secret"/> so that any <paramref name="threshold"/> of the returned
    /// shares (one per point in <paramref name="points"/>, in that order) reconstruct it.</summary>
    public static SecretShare[] Split(ReadOnlySpan<byte> secret, int threshold, IReadOnlyList<int> points)
    {
        if (secret.Length != SecretBytes) throw new ArgumentException($"a secret is {SecretBytes} bytes, not {secret.Length}", nameof(secret));
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        if (points.Count < threshold)
            throw new ArgumentException($"{points.Count} holders cannot carry a {threshold}-of-n sharing", nameof(points));
        CheckPoints(points);

        ulong[] chunks = ToChunks(secret);
        // coefficients[c, d]: degree-d coefficient of chunk c's polynomial; the constant term is the chunk.
        ulong[] coefficients = new ulong[ChunkCount * threshold];
        Mersenne61.FillRandom(coefficients);
        for (int c = 0; c < ChunkCount; c++) coefficients[c * threshold] = chunks[c];

        var shares = new SecretShare[points.Count];
        for (int h = 0; h < points.Count; h++)
        {
            ulong x = (ulong)points[h];
            ulong[] values = new ulong[ChunkCount];
            for (int c = 0; c < ChunkCount; c++)
            {
                ReadOnlySpan<ulong> polynomial = coefficients.AsSpan(c * threshold, threshold);
                ulong value = 0;
                for (int d = threshold - 1; d >= 0; d--) value = Mersenne61.Add(Mersenne61.Multiply(value, x), polynomial[d]); // Horner
                values[c] = value;
            }
            shares[h] = new SecretShare(points[h], values);
        }
        return shares;
    }

    /// <summary>
    /// The secret from at least <paramref name="threshold"/> shares (Lagrange interpolation at 0 on the
    /// first <paramref name="threshold"/> by x). Pass a <paramref name="coefficients"/> cache when many secrets
    /// are rebuilt from shares at the same points: their Lagrange coefficients are then computed once.
    /// </summary>
    /// <exception cref="InsufficientSharesException">fewer than <paramref name="threshold"/> distinct shares:
    /// reconstruction is refused rather than returning a value that would look like a secret.</exception>
    /// <exception cref="InconsistentSharesException">the interpolated chunks are not a possible secret (at
    /// least one share was wrong). This catches random corruption, not a deliberately small shift: callers
    /// check the secret itself against a commitment or public key.</exception>
    public static byte[] Reconstruct(IReadOnlyCollection<SecretShare> shares, int threshold, LagrangeCoefficients? coefficients = null)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        SecretShare[] distinct = [.. shares.DistinctBy(s => s.X).OrderBy(s => s.X)];
        if (distinct.Length != shares.Count) throw new ArgumentException("two shares have the same point x", nameof(shares));
        if (distinct.Length < threshold) throw new InsufficientSharesException(distinct.Length, threshold);
        SecretShare[] used = distinct[..threshold];
        int[] points = [.. used.Select(s => s.X)];
        CheckPoints(points);

        ulong[] lagrange = (coefficients ?? new LagrangeCoefficients()).AtZero(points);
        ulong[] chunks = new ulong[ChunkCount];
        for (int c = 0; c < ChunkCount; c++)
        {
            ulong sum = 0;
            for (int i = 0; i < used.Length; i++) sum = Mersenne61.Add(sum, Mersenne61.Multiply(lagrange[i], used[i].Chunks[c]));
            chunks[c] = sum;
        }
        return FromChunks(chunks);
    }

    private static void CheckPoints(IReadOnlyList<int> points)
    {
        var seen = new HashSet<int>();
        foreach (int x in points)
        {
            if (x < 1) throw new ArgumentException($"share point {x} must be positive (0 is where the secret sits)", nameof(points));
            if (!seen.Add(x)) throw new ArgumentException($"share point {x} is used twice", nameof(points));
        }
    }

    private static ulong[] ToChunks(ReadOnlySpan<byte> secret)
    {
        ulong[] chunks = new ulong[ChunkCount];
        for (int c = 0; c < ChunkCount; c++)
        {
            ReadOnlySpan<byte> part = secret.Slice(c * ChunkBytes, Math.Min(ChunkBytes, SecretBytes - c * ChunkBytes));
            for (int b = part.Length - 1; b >= 0; b--) chunks[c] = chunks[c] << 8 | part[b];
        }
        return chunks;
    }

    private static byte[] FromChunks(ulong[] chunks)
    {
        byte[] secret = new byte[SecretBytes];
        for (int c = 0; c < ChunkCount; c++)
        {
            int length = Math.Min(ChunkBytes, SecretBytes - c * ChunkBytes);
            // A wrong share interpolates to a random field element, which is too wide for its chunk with
            // probability ≥ 31/32 per chunk: say so instead of returning a wrong secret.
            if (chunks[c] >> (8 * length) != 0) throw new InconsistentSharesException();
            for (int b = 0; b < length; b++) secret[c * ChunkBytes + b] = (byte)(chunks[c] >> (8 * b));
        }
        return secret;
    }
}

/// <summary>Fewer shares than the threshold: the secret is information-theoretically hidden, so no value is returned.</summary>
public sealed class InsufficientSharesException(int available, int threshold)
    : InvalidOperationException($"reconstruction needs at least {threshold} shares, but only {available} are available")
{
    public int Available { get; } = available;

    public int Threshold { get; } = threshold;
}

/// <summary>The shares interpolate to something that cannot be a secret: at least one of them was altered.</summary>
public sealed class InconsistentSharesException()
    : InvalidOperationException("the shares do not interpolate to a valid secret: at least one share is wrong");
