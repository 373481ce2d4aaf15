using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>
/// Folds site deltas into an example-count-weighted sum as they arrive, so a round needs memory for one
/// model, not one per site. <see cref="WeightedMean"/> gives Σ nᵢ·Δᵢ / Σ nᵢ.
/// </summary>
public sealed class FedAvgAccumulator
{
    private readonly ModelState _weightedSum;

    public FedAvgAccumulator(ModelState layout)
    {
        _weightedSum = new ModelState(layout.Tensors.Select(t => NamedTensor.Zeros(t.Name, (long[])t.Shape.Clone())));
    }

    public long TotalExamples { get; private set; }

    public int UpdateCount { get; private set; }

    /// <summary>Adds exampleCount · delta. The delta must already be validated against the layout.</summary>
    public void Fold(ModelState delta, long exampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exampleCount);
        // Check every tensor before touching the sum: failing halfway would leave a partial update folded in.
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            if (!delta.TryGet(sum.Name, out NamedTensor tensor) || !tensor.HasShape(sum.Shape))
            {
                throw new ArgumentException($"delta lacks tensor '{sum.Name}' with shape {sum.ShapeText}", nameof(delta));
            }
        }
        float weight = exampleCount;
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            float[] values = delta[sum.Name].Values;
            // sum += weight * values, SIMD; memory-bound, so one pass over each array.
            TensorPrimitives.MultiplyAdd(values, weight, sum.Values, sum.Values);
        }
        TotalExamples += exampleCount;
        UpdateCount++;
    }

    public ModelState WeightedMean()
    {
        if (TotalExamples == 0)
        {
            throw new InvalidOperationException("no update was folded in");
        }
        float scale = (float)(1.0 / TotalExamples);
        return new ModelState(_weightedSum.Tensors.Select(t =>
        {
            float[] mean = new float[t.Values.Length];
            TensorPrimitives.Multiply(t.Values, scale, mean);
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), mean);
        }));
    }
}
