using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Arithmetic in the prime field GF(p), p = 2⁶¹ − 1 (a Mersenne prime). Products fit 128 bits and reduce
/// with a shift and an add, so Shamir sharing costs nanoseconds per operation instead of the microseconds
/// a 257-bit <see cref="System.Numerics.BigInteger"/> field would.
/// </summary>
internal static class Mersenne61
{
    public const ulong Prime = (1UL << 61) - 1;

    public static ulong Add(ulong a, ulong b) => Reduce(a + b);

    public static ulong Subtract(ulong a, ulong b) => Reduce(a + Prime - b);

    public static ulong Multiply(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        // a·b = high·2⁶⁴ + low, and 2⁶¹ ≡ 1: fold the bits above 61 back onto the low 61.
        ulong folded = (low & Prime) + ((low >> 61) | (high << 3));
        return Reduce(folded);
    }

    /// <summary>a⁻¹ by Fermat (a^(p−2)); a must be non-zero.</summary>
    public static ulong Inverse(ulong a)
    {
        if (a == 0) throw new DivideByZeroException("zero has no inverse in GF(2^61 - 1)");
        ulong result = 1, power = a;
        for (ulong exponent = Prime - 2; exponent != 0; exponent >>= 1)
        {
            if ((exponent & 1) != 0) result = Multiply(result, power);
            power = Multiply(power, power);
        }
        return result;
    }

    /// <summary>The inverses of all <paramref name="values"/> (all non-zero) for one inversion and 3(n − 1) products
    /// (Montgomery's trick: invert the running product, then peel one factor off at a time).</summary>
    public static ulong[] InverseAll(ReadOnlySpan<ulong> values)
    {
        ulong[] inverses = new ulong[values.Length];
        if (values.Length == 0) return inverses;
        ulong running = 1;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] == 0) throw new DivideByZeroException("zero has no inverse in GF(2^61 - 1)");
            inverses[i] = running; // product of values[0..i)
            running = Multiply(running, values[i]);
        }
        ulong inverse = Inverse(running);
        for (int i = values.Length - 1; i >= 0; i--)
        {
            ulong before = inverses[i];
            inverses[i] = Multiply(inverse, before);
            inverse = Multiply(inverse, values[i]);
        }
        return inverses;
    }

    /// <summary>Uniform field elements from the operating system's cryptographic generator (rejection sampling).</summary>
    public static void FillRandom(Span<ulong> destination)
    {
        RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination));
        Span<ulong> redraw = stackalloc ulong[1];
        for (int i = 0; i < destination.Length; i++)
        {
            ulong candidate = destination[i] & Prime;
            while (candidate == Prime) // probability 2⁻⁶¹: redraw rather than bias towards 0
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(redraw));
                candidate = redraw[0] & Prime;
            }
            destination[i] = candidate;
        }
    }

    private static ulong Reduce(ulong value)
    {
        // value < 2⁶³ here, so two conditional subtractions at most.
        value = (value & Prime) + (value >> 61);
        return value >= Prime ? value - Prime : value;
    }
}
