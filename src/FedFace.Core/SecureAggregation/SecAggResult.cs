using System.Numerics.Tensors;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// What a completed round yields — the aggregate only: the weighted sum Σ wᵢ·deltaᵢ (dequantized), the
/// total weight Σ wᵢ, the same sum in quantization levels (exact integers), and which sites' inputs it holds.
/// No site's input can be read from it.
/// </summary>
public sealed record SecAggResult(long RoundId, float[] WeightedSum, long TotalWeight, int[] QuantizedWeightedSum,
    IReadOnlyList<string> Contributors, double QuantizationStep)
{
    /// <summary>Σ wᵢ·deltaᵢ / Σ wᵢ: the FedAvg update.</summary>
    public float[] WeightedMean()
    {
        float[] mean = new float[WeightedSum.Length];
        TensorPrimitives.Multiply(WeightedSum, (float)(1.0 / TotalWeight), mean);
        return mean;
    }
}
