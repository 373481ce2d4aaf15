using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Turns a site's float delta into the integer vector it masks, and the unmasked sum back into floats.
/// <para>
/// Encoding: clip the delta to L2 norm C (<see cref="RoundConfiguration.ClipNorm"/>), clip each coordinate
/// to ±B (<see cref="RoundConfiguration.CoordinateBound"/>), scale by L/B (L =
/// <see cref="RoundConfiguration.QuantizationLevels"/>) and round stochastically — up with probability equal
/// to the fractional part, from the operating system's cryptographic generator — to an integer q ∈ [−L, L];
/// multiply by the site's weight w ≤ <see cref="RoundConfiguration.MaxWeightPerSite"/> and append w. Every
/// word is the two's-complement int32 taken mod 2³².
/// </para>
/// <para>
/// Decoding: the unmasked sum's words are read as int32 (exact, because L·W_max ≤ 2³¹ − 1 keeps Σ w·q in
/// range); coordinate i of the weighted sum is sumᵢ · B/L and the last word is Σ w. Error bound: see
/// <see cref="RoundConfiguration.ErrorBound"/> — at most one step B/L per coordinate of the weighted mean.
/// </para>
/// </summary>
public sealed class InputQuantizer(RoundConfiguration configuration)
{
    private const int RandomBatch = 4096;
    private readonly RoundConfiguration _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));

    /// <summary>The vector a site masks: w·q(delta) followed by w, as uint32 words.</summary>
    /// <exception cref="ArgumentException">wrong length or a non-finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">the weight is not in [1, MaxWeightPerSite].</exception>
    public uint[] Encode(ReadOnlySpan<float> delta, long weight)
    {
        if (delta.Length != _configuration.VectorLength)
            throw new ArgumentException($"the delta has {delta.Length} elements; round {_configuration.RoundId} aggregates {_configuration.VectorLength}", nameof(delta));
        if (weight < 1 || weight > _configuration.MaxWeightPerSite)
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"a site's weight must be in [1, {_configuration.MaxWeightPerSite}] (MaxWeightPerSite)");
        if (!TensorPrimitives.IsFiniteAll(delta)) throw new ArgumentException("the delta holds NaN or infinity", nameof(delta));

        double norm = TensorPrimitives.Norm(delta);
        double clipScale = norm > _configuration.ClipNorm ? _configuration.ClipNorm / norm : 1.0;
        double bound = _configuration.CoordinateBound;
        int levels = _configuration.QuantizationLevels;
        double toLevels = levels / bound;

        uint[] encoded = new uint[_configuration.MaskedLength];
        uint[] random = new uint[RandomBatch];
        for (int start = 0; start < delta.Length; start += RandomBatch)
        {
            int count = Math.Min(RandomBatch, delta.Length - start);
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(random.AsSpan(0, count)));
            for (int i = 0; i < count; i++)
            {
                double clipped = Math.Clamp(delta[start + i] * clipScale, -bound, bound);
                double scaled = Math.Clamp(clipped * toLevels, -levels, levels);
                double floor = Math.Floor(scaled);
                // Round up with probability (scaled − floor): E[q] = scaled, so the rounding adds no bias.
                long q = (long)floor + (random[i] * (1.0 / 4294967296.0) < scaled - floor ? 1 : 0);
                encoded[start + i] = unchecked((uint)(int)(q * weight));
            }
        }
        encoded[^1] = (uint)weight;
        return encoded;
    }

    /// <summary>The weighted sum Σ wᵢ·deltaᵢ (dequantized) and Σ wᵢ from an unmasked sum of encoded vectors.</summary>
    public (float[] WeightedSum, long TotalWeight) Decode(ReadOnlySpan<uint> sum)
    {
        int[] levels = ToSigned(sum);
        double step = _configuration.QuantizationStep;
        float[] weightedSum = new float[_configuration.VectorLength];
        for (int i = 0; i < weightedSum.Length; i++) weightedSum[i] = (float)(levels[i] * step);
        return (weightedSum, levels[^1]);
    }

    /// <summary>The sum's words as the signed integers they encode (Σ wᵢ·qᵢ, then Σ wᵢ).</summary>
    public int[] ToSigned(ReadOnlySpan<uint> sum)
    {
        if (sum.Length != _configuration.MaskedLength)
            throw new ArgumentException($"a sum has {_configuration.MaskedLength} words, not {sum.Length}", nameof(sum));
        return MemoryMarshal.Cast<uint, int>(sum).ToArray();
    }
}
