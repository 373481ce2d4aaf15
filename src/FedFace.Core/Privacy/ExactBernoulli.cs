using System.Numerics;

namespace FedFace.Core.Privacy;

/// <summary>
/// Coins with rational and e^(−rational) biases from uniform words, in integer arithmetic only (Canonne, Kamath, Steinke
/// 2020, "The Discrete Gaussian for Differential Privacy", Algorithm 1): no floating point decides an outcome, so the
/// probabilities are exactly the stated ones. Generic over ulong, UInt128 and BigInteger, for the size the numbers need.
/// </summary>
internal static class ExactBernoulli
{
    /// <summary>A uniform integer in [0, bound), by rejection from the fewest whole bits that cover it.</summary>
    public static T UniformBelow<T>(RandomWords random, T bound) where T : IBinaryInteger<T>
    {
        if (bound <= T.One)
        {
            return bound == T.One ? T.Zero : throw new ArgumentOutOfRangeException(nameof(bound), bound, "the bound must be positive");
        }
        int bits = int.CreateChecked(T.Log2(bound - T.One)) + 1;
        while (true)
        {
            T candidate = RandomBits<T>(random, bits);
            if (candidate < bound) return candidate;
        }
    }

    /// <summary>
    /// True with probability p = numerator / denominator (0 ≤ numerator ≤ denominator): a uniform U in [0, 1) drawn bit by bit
    /// is compared with p's binary digits, worked out in integers; the first digit where they differ decides U &lt; p, after
    /// two bits on average.
    /// </summary>
    public static bool Bernoulli<T>(RandomWords random, T numerator, T denominator) where T : IBinaryInteger<T>
    {
        if (numerator >= denominator) return true;
        T remainder = numerator; // p's digits still to come are remainder / denominator
        while (remainder != T.Zero)
        {
            T rest = denominator - remainder;
            bool digit = remainder >= rest; // 2·remainder ≥ denominator, without overflowing
            remainder = digit ? remainder - rest : remainder + remainder;
            if (random.NextBit() != digit) return digit;
        }
        return false; // p's digits ran out: U ≥ p except on a set of probability 0
    }

    /// <summary>True with probability e^(−numerator/denominator), for any non-negative ratio.</summary>
    public static bool ExpMinus<T>(RandomWords random, T numerator, T denominator) where T : IBinaryInteger<T>
    {
        // e^−γ = (e^−1)^⌊γ⌋ · e^−(γ−⌊γ⌋): one e^−1 coin per whole unit, stopping at the first failure.
        while (numerator > denominator)
        {
            if (!ExpMinusAtMostOne(random, T.One, T.One)) return false;
            numerator -= denominator;
        }
        return ExpMinusAtMostOne(random, numerator, denominator);
    }

    /// <summary>
    /// e^−γ for γ ∈ [0, 1]: count the successes K of coins Bernoulli(γ/k), k = 1, 2, …, until the first failure;
    /// P(K odd) = e^−γ. Bernoulli(γ/k) is drawn as Bernoulli(γ) and Bernoulli(1/k) together, so no product overflows.
    /// </summary>
    private static bool ExpMinusAtMostOne<T>(RandomWords random, T numerator, T denominator) where T : IBinaryInteger<T>
    {
        ulong k = 1;
        while (Bernoulli(random, numerator, denominator) && Bernoulli(random, 1UL, k)) k++;
        return k % 2 == 1;
    }

    private static T RandomBits<T>(RandomWords random, int bits) where T : IBinaryInteger<T>
    {
        T value = T.Zero;
        for (int remaining = bits; remaining > 0; remaining -= 64)
        {
            int take = Math.Min(64, remaining);
            value = (value << take) | T.CreateTruncating(random.Next() >> (64 - take));
        }
        return value;
    }
}
