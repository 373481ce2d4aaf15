using System.Globalization;
using System.Numerics.Tensors;

namespace FedFace.Core;

/// <summary>An element of a model or delta outside the range asked for: NaN and ±Infinity lie outside every range.</summary>
public readonly record struct OutOfRangeValue(string Tensor, int Index, float Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"tensor '{Tensor}' holds {Value} at element {Index}");

    /// <summary>The first element, in tensor order, that is NaN, ±Infinity or beyond ±<paramref name="maxMagnitude"/>; null when none is.</summary>
    public static OutOfRangeValue? FirstIn(ModelState model, float maxMagnitude = float.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (NamedTensor tensor in model.Tensors)
        {
            // One SIMD pass per tensor; NaN anywhere makes the result NaN, which fails the comparison.
            if (tensor.Values.Length == 0 || MathF.Abs(TensorPrimitives.MaxMagnitude(tensor.Values)) <= maxMagnitude)
            {
                continue;
            }
            int index = Array.FindIndex(tensor.Values, v => !(MathF.Abs(v) <= maxMagnitude));
            return new OutOfRangeValue(tensor.Name, index, tensor.Values[index]);
        }
        return null;
    }
}
