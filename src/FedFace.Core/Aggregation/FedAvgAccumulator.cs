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
        Add(delta, exampleCount, nameof(delta));
        TotalExamples += exampleCount;
        UpdateCount++;
    }

    /// <summary>
    /// Adds a sum that arrives already weighted — Σ nᵢ·Δᵢ over <paramref name="updateCount"/> updates of
    /// <paramref name="totalExamples"/> examples in all — as secure aggregation yields it: the sum, never the updates.
    /// </summary>
    public void FoldWeightedSum(ModelState weightedSum, long totalExamples, int updateCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalExamples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(updateCount);
        Add(weightedSum, weight: 1, nameof(weightedSum));
        TotalExamples += totalExamples;
        UpdateCount += updateCount;
    }

    private void Add(ModelState tensors, float weight, string parameterName)
    {
        // Check every tensor before touching the sum: failing halfway would leave a partial update folded in.
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            if (!tensors.TryGet(sum.Name, out NamedTensor tensor) || !tensor.HasShape(sum.Shape))
            {
                throw new ArgumentException($"{parameterName} lacks tensor '{sum.Name}' with shape {sum.ShapeText}", parameterName);
            }
        }
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            float[] values = tensors[sum.Name].Values;
            // sum += weight * values, SIMD; memory-bound, so one pass over each array.
            TensorPrimitives.MultiplyAdd(values, weight, sum.Values, sum.Values);
        }
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
