using FedFace.Core;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// A rule that combines each coordinate on its own: the n updates' values of one coordinate, sorted, become one value.
/// Needs n ≥ 2f + 1, so that honest values are the majority of every coordinate.
/// </summary>
public abstract class CoordinateWiseRule : IRobustRule
{
    protected CoordinateWiseRule(int byzantineSites)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byzantineSites);
        ByzantineSites = byzantineSites;
    }

    /// <summary>f, the byzantine updates the rule withstands.</summary>
    public int ByzantineSites { get; }

    public abstract string Name { get; }

    public string? RefusalFor(int updates) => updates >= 2 * ByzantineSites + 1 && updates > 0
        ? null
        : $"{Name} with f = {ByzantineSites} byzantine sites needs at least 2f + 1 = {Math.Max(1, 2 * ByzantineSites + 1)} updates, got {updates}";

    public ModelState Combine(IReadOnlyList<ModelState> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (RefusalFor(updates.Count) is { } refusal)
        {
            throw new ArgumentException(refusal, nameof(updates));
        }
        ModelState first = updates[0];
        float[] column = new float[updates.Count];
        return new ModelState(first.Tensors.Select(t =>
        {
            float[][] sources = [.. updates.Select(u => u[t.Name].Values)];
            float[] combined = new float[t.Values.Length];
            for (int i = 0; i < combined.Length; i++)
            {
                for (int k = 0; k < sources.Length; k++)
                {
                    column[k] = sources[k][i];
                }
                Array.Sort(column);
                combined[i] = OfSorted(column);
            }
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), combined);
        }));
    }

    /// <summary>One coordinate's combined value from its n values in ascending order.</summary>
    protected abstract float OfSorted(ReadOnlySpan<float> sorted);
}
