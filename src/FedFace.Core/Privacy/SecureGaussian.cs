using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedFace.Core.Privacy;

/// <summary>
/// Gaussian noise from the operating system's cryptographic generator (<see cref="RandomNumberGenerator"/>), never
/// from a seedable one: noise an observer could predict or replay protects nothing. 53-bit uniforms go through the
/// Box-Muller transform in blocks, with the logarithms and sines vectorised (1.2M values take a few tens of ms).
/// </summary>
/// <remarks>
/// Floating-point samplers are not exactly Gaussian (their tails stop at about 8.6σ and their low bits are not
/// uniform); Mironov 2012 shows such artefacts can leak for the Laplace mechanism. Secure distributed rounds therefore
/// add exact discrete Gaussian noise in integers instead (<see cref="DiscreteGaussianEncoder"/>); this sampler serves
/// central noise and plain distributed rounds, as the usual floating-point approximation.
/// </remarks>
public static class SecureGaussian
{
    private const int BlockPairs = 2048;
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    /// <summary>values[i] += N(0, standardDeviation²), each draw independent.</summary>
    public static void Add(Span<float> values, double standardDeviation)
    {
        CheckStandardDeviation(standardDeviation);
        if (standardDeviation == 0) return;
        using var blocks = new StandardNormalBlocks();
        for (int offset = 0; offset < values.Length;)
        {
            ReadOnlySpan<double> normals = blocks.Next(values.Length - offset);
            Span<float> target = values.Slice(offset, normals.Length);
            for (int i = 0; i < target.Length; i++) target[i] += (float)(normals[i] * standardDeviation);
            offset += normals.Length;
        }
    }

    /// <summary>Fills <paramref name="destination"/> with independent N(0, standardDeviation²) draws.</summary>
    public static void Fill(Span<double> destination, double standardDeviation)
    {
        CheckStandardDeviation(standardDeviation);
        using var blocks = new StandardNormalBlocks();
        for (int offset = 0; offset < destination.Length;)
        {
            ReadOnlySpan<double> normals = blocks.Next(destination.Length - offset);
            TensorPrimitives.Multiply(normals, standardDeviation, destination.Slice(offset, normals.Length));
            offset += normals.Length;
        }
    }

    /// <summary>One N(0, standardDeviation²) draw.</summary>
    public static double Next(double standardDeviation)
    {
        Span<double> one = stackalloc double[1];
        Fill(one, standardDeviation);
        return one[0];
    }

    /// <summary>Standard normals a block at a time, in a pooled buffer that is wiped when disposed.</summary>
    private ref struct StandardNormalBlocks : IDisposable
    {
        private readonly double[] _buffer = ArrayPool<double>.Shared.Rent(4 * BlockPairs);

        public StandardNormalBlocks()
        {
        }

        /// <summary>Up to <paramref name="wanted"/> fresh standard normals (at least one when wanted &gt; 0).</summary>
        public readonly ReadOnlySpan<double> Next(int wanted)
        {
            int pairs = Math.Min(BlockPairs, (wanted + 1) / 2);
            Span<double> radius = _buffer.AsSpan(0, pairs), angle = _buffer.AsSpan(BlockPairs, pairs);
            Span<double> normals = _buffer.AsSpan(2 * BlockPairs, 2 * pairs);
            StandardNormalPairs(radius, angle, normals);
            return normals[..Math.Min(2 * pairs, wanted)];
        }

        // The noise is secret until it has been added: no trace of it stays in the shared pool.
        public readonly void Dispose() => ArrayPool<double>.Shared.Return(_buffer, clearArray: true);
    }

    /// <summary>Box-Muller: r = √(−2 ln u₁), θ = 2π u₂, giving r cos θ and r sin θ; u₁ ∈ (0, 1] so ln never sees 0.</summary>
    private static void StandardNormalPairs(Span<double> radius, Span<double> angle, Span<double> normals)
    {
        int pairs = radius.Length;
        Span<ulong> bits = MemoryMarshal.Cast<double, ulong>(normals); // the output doubles as the random-bit buffer
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(bits));
        for (int i = 0; i < pairs; i++)
        {
            radius[i] = ((bits[2 * i] >> 11) + 1) * TwoToMinus53;
            angle[i] = 2.0 * (bits[2 * i + 1] >> 11) * TwoToMinus53;
        }
        TensorPrimitives.Log(radius, radius);
        TensorPrimitives.Multiply(radius, -2.0, radius);
        TensorPrimitives.Sqrt(radius, radius);
        Span<double> sine = normals[..pairs], cosine = normals[pairs..];
        TensorPrimitives.SinCosPi(angle, sine, cosine); // angle holds 2u₂: these are sin and cos of 2πu₂
        TensorPrimitives.Multiply(sine, radius, sine);
        TensorPrimitives.Multiply(cosine, radius, cosine);
    }

    private static void CheckStandardDeviation(double standardDeviation)
    {
        if (!(standardDeviation >= 0) || !double.IsFinite(standardDeviation))
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "the noise standard deviation must be finite and non-negative");
    }
}
