using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>How much a site's delta counts in the round's mean.</summary>
public enum UpdateWeighting
{
    /// <summary>FedAvg: by the site's example count.</summary>
    ExampleCount,

    /// <summary>DP-FedAvg: every site alike, since weighting by examples would let a large site exceed the sensitivity C.</summary>
    Uniform,
}

/// <summary>
/// Folds site deltas into a weighted sum as they arrive, so a round needs memory for one model, not one per site.
/// <see cref="WeightedMean"/> gives Σ wᵢ·Δᵢ / Σ wᵢ, with wᵢ = nᵢ (examples) or 1 (<see cref="UpdateWeighting"/>).
/// Float addition is not associative, so the sum's last bits depend on the order updates arrive in; with
/// <c>foldInSiteOrder</c> the accumulator instead keeps each update until the sum is asked for and folds them in
/// ordinal order of their site ids: the same updates then give the same bits whatever the network did, at the cost
/// of memory for one model per site.
/// </summary>
public sealed class FedAvgAccumulator
{
    private readonly ModelState _weightedSum;
    private readonly UpdateWeighting _weighting;
    private readonly SortedDictionary<string, (ModelState Delta, float Weight)>? _waitingForSiteOrder;
    private double _totalWeight;
    private bool _released;

    public FedAvgAccumulator(ModelState layout, UpdateWeighting weighting = UpdateWeighting.ExampleCount, bool foldInSiteOrder = false)
    {
        _weightedSum = new ModelState(layout.Tensors.Select(t => NamedTensor.Zeros(t.Name, (long[])t.Shape.Clone())));
        _weighting = weighting;
        _waitingForSiteOrder = foldInSiteOrder ? new SortedDictionary<string, (ModelState, float)>(StringComparer.Ordinal) : null;
    }

    /// <summary>Examples behind the folded updates, whatever the weighting.</summary>
    public long TotalExamples { get; private set; }

    public int UpdateCount { get; private set; }

    /// <summary>
    /// Adds weight · delta. The delta must already be validated against the layout. <paramref name="siteId"/> orders the
    /// sum when folding in site order (then required, once per site; the delta is kept by reference until the sum is
    /// asked for, so the caller must not change it); otherwise it is not used.
    /// </summary>
    public void Fold(ModelState delta, long exampleCount, string? siteId = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exampleCount);
        float weight = _weighting == UpdateWeighting.ExampleCount ? exampleCount : 1f;
        if (_waitingForSiteOrder is null)
        {
            Add(delta, weight, nameof(delta));
        }
        else
        {
            ThrowIfReleased();
            ArgumentException.ThrowIfNullOrEmpty(siteId);
            CheckLayout(delta, nameof(delta)); // refused now, not at the commit
            if (!_waitingForSiteOrder.TryAdd(siteId, (delta, weight)))
            {
                throw new InvalidOperationException($"an update from {siteId} is already folded into this round");
            }
        }
        TotalExamples += exampleCount;
        _totalWeight += weight;
        UpdateCount++;
    }

    /// <summary>
    /// Adds a sum that arrives already weighted by example counts — Σ nᵢ·Δᵢ over <paramref name="updateCount"/> updates
    /// of <paramref name="totalExamples"/> examples in all — as secure aggregation yields it: the sum, never the updates.
    /// </summary>
    public void FoldWeightedSum(ModelState weightedSum, long totalExamples, int updateCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalExamples);
        AddSum(weightedSum, UpdateWeighting.ExampleCount, totalExamples, updateCount, totalWeight: totalExamples, nameof(weightedSum));
    }

    /// <summary>
    /// Adds the plain sum Σ Δᵢ of <paramref name="updateCount"/> updates, each weighing 1, as a secure DP round yields it;
    /// <paramref name="totalExamples"/> is what the sites reported (it does not weigh).
    /// </summary>
    public void FoldUniformSum(ModelState sum, int updateCount, long totalExamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalExamples);
        AddSum(sum, UpdateWeighting.Uniform, totalExamples, updateCount, totalWeight: updateCount, nameof(sum));
    }

    /// <summary>A sum weighted as <paramref name="weighting"/> says, which must be this round's weighting.</summary>
    private void AddSum(ModelState sum, UpdateWeighting weighting, long totalExamples, int updateCount, double totalWeight, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(updateCount);
        if (_weighting != weighting)
        {
            throw new InvalidOperationException($"a sum weighted by {weighting} cannot join a round weighted by {_weighting}");
        }
        FoldWaitingInSiteOrder();
        Add(sum, weight: 1, parameterName);
        TotalExamples += totalExamples;
        _totalWeight += totalWeight;
        UpdateCount += updateCount;
    }

    public ModelState WeightedMean()
    {
        ThrowIfReleased();
        if (UpdateCount == 0)
        {
            throw new InvalidOperationException("no update was folded in");
        }
        FoldWaitingInSiteOrder();
        float scale = (float)(1.0 / _totalWeight);
        return new ModelState(_weightedSum.Tensors.Select(t =>
        {
            float[] mean = new float[t.Values.Length];
            TensorPrimitives.Multiply(t.Values, scale, mean);
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), mean);
        }));
    }

    /// <summary>
    /// Hands over the running sum Σ wᵢ·Δᵢ itself, not a copy (the DP step noises it in place, and a model may be large);
    /// the accumulator takes no more updates after this.
    /// </summary>
    public ModelState ReleaseSum()
    {
        ThrowIfReleased();
        FoldWaitingInSiteOrder();
        _released = true;
        return _weightedSum;
    }

    private void FoldWaitingInSiteOrder()
    {
        if (_waitingForSiteOrder is null)
        {
            return;
        }
        foreach ((ModelState delta, float weight) in _waitingForSiteOrder.Values)
        {
            Add(delta, weight, "delta");
        }
        _waitingForSiteOrder.Clear();
    }

    private void Add(ModelState tensors, float weight, string parameterName)
    {
        ThrowIfReleased();
        // Check every tensor before touching the sum: failing halfway would leave a partial update folded in.
        CheckLayout(tensors, parameterName);
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            // sum += weight * values, SIMD; memory-bound, so one pass over each array.
            TensorPrimitives.MultiplyAdd(tensors[sum.Name].Values, weight, sum.Values, sum.Values);
        }
    }

    private void CheckLayout(ModelState tensors, string parameterName)
    {
        foreach (NamedTensor sum in _weightedSum.Tensors)
        {
            if (!tensors.TryGet(sum.Name, out NamedTensor tensor) || !tensor.HasShape(sum.Shape))
            {
                throw new ArgumentException($"{parameterName} lacks tensor '{sum.Name}' with shape {sum.ShapeText}", parameterName);
            }
        }
    }

    private void ThrowIfReleased()
    {
        if (_released) throw new InvalidOperationException("the sum was released; this accumulator is done");
    }
}
