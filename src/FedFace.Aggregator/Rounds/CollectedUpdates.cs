using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.SecureAggregation;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// A round's accepted updates as its aggregation needs them: their running sum, weighed as the round's plan says, and
/// the sum of their adaptive-clipping bits. Plain updates are folded one by one; a secure round folds only their sum.
/// With <paramref name="holdUpdates"/> (robust rules) each plain update is also kept until the round is aggregated.
/// </summary>
public sealed class CollectedUpdates(ModelState layout, UpdateWeighting weighting, bool sumInSiteOrder, bool holdUpdates = false)
{
    // Keeping a reference costs no copy: the upload reader built the update, which FedAvg would drop once summed. The
    // memory, one model per update, is bounded by the strategy capping the round's sample (MaxHeldUpdateBytes).
    private readonly SortedDictionary<string, ModelState>? _held = holdUpdates ? new(StringComparer.Ordinal) : null;

    public FedAvgAccumulator Sum { get; } = new(layout, weighting, sumInSiteOrder);

    /// <summary>The round's single updates in ordinal order of their sites, so a rule's result repeats; empty unless held.</summary>
    public IReadOnlyList<ModelState> HeldInSiteOrder => _held is null ? [] : [.. _held.Values];

    /// <summary>Σ of the accepted updates' adaptive-clipping bits.</summary>
    public double UnclippedIndicatorSum { get; private set; }

    public int UpdateCount => Sum.UpdateCount;

    public long TotalExamples => Sum.TotalExamples;

    public void Fold(string siteId, UpdateHeader header, ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(header);
        Sum.Fold(delta, header.ExampleCount, siteId);
        _held?.Add(siteId, delta);
        if (header.HasUnclippedIndicator)
        {
            UnclippedIndicatorSum += header.UnclippedIndicator;
        }
    }

    /// <summary>
    /// The unmasked sum: weighted by example counts, or with uniform weighting each site's delta once (weight 1), followed
    /// by the sum of their adaptive-clipping bits when the round asked for them.
    /// </summary>
    /// <param name="reportedExamples">What the contributors reported with their metrics: uniform weighting counts no examples itself.</param>
    public void FoldSecureSum(SecAggResult result, ModelVectorLayout layout, long reportedExamples)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(layout);
        ModelState sum = layout.Unflatten(result.WeightedSum);
        if (weighting == UpdateWeighting.ExampleCount)
        {
            Sum.FoldWeightedSum(sum, result.TotalWeight, result.Contributors.Count);
            return;
        }
        Sum.FoldUniformSum(sum, result.Contributors.Count, reportedExamples);
        if (layout.ExtraCoordinates > 0)
        {
            UnclippedIndicatorSum += layout.ExtrasOf(result.WeightedSum)[0];
        }
    }
}
