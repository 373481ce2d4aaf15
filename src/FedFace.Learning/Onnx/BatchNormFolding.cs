using FedFace.Core;

namespace FedFace.Learning.Onnx;

/// <summary>
/// Convolution followed by inference-mode BatchNorm is one convolution: with s = γ / √(σ² + ε) per output
/// channel, W' = s·W and b' = s·(b − μ) + β. Unfolding goes the other way with an identity BatchNorm
/// (γ = 1, β = b', μ = 0, σ² = 1 − ε), which computes exactly x + b' and so keeps the folded network's output.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>TorchSharp's (and PyTorch's) BatchNorm2d default.</summary>
    public const float Epsilon = 1e-5f;

    public static (float[] Weight, float[] Bias) Fold(
        float[] convWeight, float[]? convBias, float[] gamma, float[] beta, float[] runningMean, float[] runningVar)
    {
        int channels = gamma.Length;
        if (beta.Length != channels || runningMean.Length != channels || runningVar.Length != channels
            || convWeight.Length % channels != 0 || (convBias is not null && convBias.Length != channels))
        {
            throw new ArgumentException($"BatchNorm of {channels} channels does not fit a convolution of {convWeight.Length} weights");
        }
        int perChannel = convWeight.Length / channels;
        var weight = new float[convWeight.Length];
        var bias = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double scale = gamma[c] / Math.Sqrt(runningVar[c] + (double)Epsilon);
            for (int i = c * perChannel; i < (c + 1) * perChannel; i++)
            {
                weight[i] = (float)(convWeight[i] * scale);
            }
            bias[c] = (float)(((convBias?[c] ?? 0) - runningMean[c]) * scale + beta[c]);
        }
        return (weight, bias);
    }

    /// <summary>The identity BatchNorm that carries a folded bias: γ, β, μ, σ² tensors named under <paramref name="batchNorm"/>.</summary>
    public static IEnumerable<NamedTensor> IdentityBatchNorm(string batchNorm, float[] foldedBias)
    {
        long[] shape = [foldedBias.Length];
        yield return new NamedTensor($"{batchNorm}.weight", shape, Filled(foldedBias.Length, 1f));
        yield return new NamedTensor($"{batchNorm}.bias", (long[])shape.Clone(), (float[])foldedBias.Clone());
        yield return new NamedTensor($"{batchNorm}.running_mean", (long[])shape.Clone(), new float[foldedBias.Length]);
        yield return new NamedTensor($"{batchNorm}.running_var", (long[])shape.Clone(), Filled(foldedBias.Length, 1f - Epsilon));
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
