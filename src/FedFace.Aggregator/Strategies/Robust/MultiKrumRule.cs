using System.Numerics.Tensors;
using FedFace.Core;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// Multi-Krum (Blanchard et al. 2017; El Mhamdi et al. 2018): each update is scored by the sum of its squared distances
/// to its n − f − 2 nearest others, and the mean of the m best-scored updates is the round's delta. An outlier is far
/// from every honest update and scores badly; f byzantine updates cannot all be near the honest cluster and far from it
/// at once. Needs n ≥ 2f + 3 so that every score counts at least one honest neighbour more than there are byzantine ones.
/// </summary>
public sealed class MultiKrumRule : IRobustRule
{
    private readonly int _selected;

    /// <param name="selected">m; 0 = n − f of the round's n updates.</param>
    public MultiKrumRule(int byzantineSites, int selected)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byzantineSites);
        ArgumentOutOfRangeException.ThrowIfNegative(selected);
        ByzantineSites = byzantineSites;
        _selected = selected;
    }

    public int ByzantineSites { get; }

    public string Name => "multi-krum";

    /// <summary>Which of the last combined updates (by index) were averaged, best score first.</summary>
    public IReadOnlyList<int> LastSelection { get; private set; } = [];

    public string? RefusalFor(int updates)
    {
        int needed = 2 * ByzantineSites + 3;
        if (updates < needed)
        {
            return $"{Name} with f = {ByzantineSites} byzantine sites needs at least 2f + 3 = {needed} updates, got {updates}";
        }
        return SelectedOf(updates) > updates - ByzantineSites
            ? $"{Name} averages m = {_selected} updates, more than the n − f = {updates - ByzantineSites} of {updates} updates that may all be honest"
            : null;
    }

    public ModelState Combine(IReadOnlyList<ModelState> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (RefusalFor(updates.Count) is { } refusal)
        {
            throw new ArgumentException(refusal, nameof(updates));
        }
        double[] scores = Scores(updates);
        // Ties go to the earlier update: the order is fixed by the caller, so the choice repeats.
        int[] best = [.. Enumerable.Range(0, updates.Count).OrderBy(i => scores[i]).ThenBy(i => i).Take(SelectedOf(updates.Count))];
        LastSelection = best;
        float scale = 1f / best.Length;
        return new ModelState(updates[0].Tensors.Select(t =>
        {
            float[] mean = new float[t.Values.Length];
            foreach (int i in best)
            {
                TensorPrimitives.MultiplyAdd(updates[i][t.Name].Values, scale, mean, mean);
            }
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), mean);
        }));
    }

    private int SelectedOf(int updates) => _selected == 0 ? updates - ByzantineSites : _selected;

    /// <summary>Each update's Krum score: Σ of its squared distances to its n − f − 2 nearest other updates.</summary>
    private double[] Scores(IReadOnlyList<ModelState> updates)
    {
        int n = updates.Count;
        var squared = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                squared[i, j] = squared[j, i] = SquaredDistance(updates[i], updates[j]);
            }
        }
        int neighbours = n - ByzantineSites - 2;
        return [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Where(j => j != i).Select(j => squared[i, j]).Order().Take(neighbours).Sum())];
    }

    private static double SquaredDistance(ModelState a, ModelState b)
    {
        double sum = 0;
        foreach (NamedTensor t in a.Tensors)
        {
            double distance = TensorPrimitives.Distance(t.Values, b[t.Name].Values);
            sum += distance * distance;
        }
        return sum;
    }
}
