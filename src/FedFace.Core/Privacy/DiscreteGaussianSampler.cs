using System.Numerics;

namespace FedFace.Core.Privacy;

/// <summary>
/// Exact draws from the discrete Gaussian N_ℤ(0, σ²), P(x) ∝ e^(−x²/2σ²) on the integers, for an integer variance
/// parameter σ²: Canonne, Kamath and Steinke 2020, Algorithm 3 — a discrete Laplace proposal of scale t = ⌊σ⌋ + 1
/// (their Algorithm 2), accepted with probability e^(−(|y| − σ²/t)²/2σ²). Every decision is an integer comparison on
/// uniform words (<see cref="ExactBernoulli"/>), so the output has exactly this distribution, tails included; the expected
/// cost is a few dozen words per draw whatever σ.
/// </summary>
public sealed class DiscreteGaussianSampler
{
    /// <summary>σ² beyond this could overflow the acceptance test's 128-bit denominator 2σ²t².</summary>
    public const ulong MaximumVariance = 1UL << 60;

    private readonly RandomWords _random;
    private readonly ulong _variance;
    private readonly ulong _scale;
    private readonly UInt128 _acceptanceDenominator;

    /// <param name="variance">σ², at least 1.</param>
    /// <param name="random">The uniform words; <see cref="CryptoRandomWords"/> outside tests.</param>
    public DiscreteGaussianSampler(ulong variance, RandomWords random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (variance is < 1 or > MaximumVariance)
            throw new ArgumentOutOfRangeException(nameof(variance), variance, $"the discrete Gaussian's σ² must be in [1, 2^60]");
        _random = random;
        _variance = variance;
        _scale = FloorSqrt(variance) + 1;
        _acceptanceDenominator = 2 * (UInt128)variance * _scale * _scale;
    }

    public ulong Variance => _variance;

    /// <summary>One draw.</summary>
    public long Next()
    {
        while (true)
        {
            long y = NextDiscreteLaplace();
            // (|y| − σ²/t)² / 2σ² = (|y|·t − σ²)² / (2σ²t²), in integers.
            UInt128 scaled = (UInt128)Math.Abs(y) * _scale;
            UInt128 gap = scaled >= _variance ? scaled - _variance : _variance - scaled;
            bool accept = gap <= ulong.MaxValue
                ? ExactBernoulli.ExpMinus(_random, gap * gap, _acceptanceDenominator)
                : ExactBernoulli.ExpMinus(_random, (BigInteger)gap * gap, (BigInteger)_acceptanceDenominator); // |y| beyond 2⁶⁴/t: never seen, still exact
            if (accept) return y;
        }
    }

    /// <summary>The discrete Laplace of scale t, P(x) ∝ e^(−|x|/t): |x| = u + t·v with u uniform below t kept with probability e^(−u/t) and v geometric.</summary>
    private long NextDiscreteLaplace()
    {
        while (true)
        {
            ulong u = ExactBernoulli.UniformBelow(_random, _scale);
            if (!ExactBernoulli.ExpMinus(_random, u, _scale)) continue;
            ulong v = 0;
            while (ExactBernoulli.ExpMinus(_random, 1UL, 1UL)) v++;
            long magnitude = checked((long)(u + _scale * v));
            bool negative = (_random.Next() & 1) == 1;
            if (negative && magnitude == 0) continue; // else 0 would come up twice as often
            return negative ? -magnitude : magnitude;
        }
    }

    /// <summary>⌊√n⌋ exactly: the floating-point root is only a first guess, corrected in integers.</summary>
    internal static ulong FloorSqrt(ulong n)
    {
        ulong root = (ulong)Math.Sqrt(n);
        while ((UInt128)root * root > n) root--;
        while ((UInt128)(root + 1) * (root + 1) <= n) root++;
        return root;
    }
}
