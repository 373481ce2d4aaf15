using System.Runtime.CompilerServices;

namespace FedFace.Evaluation.Identification;

/// <summary>
/// Deliberately plain exact search — a scalar loop per row and a small sorted list of the best k — that the
/// tests hold <see cref="ExactSearch"/> against and the benchmark measures it against. Same ranking rule.
/// </summary>
public static class ReferenceSearch
{
    // Fully optimised from the first call, like ExactSearch's scan, so the benchmark compares code, not JIT tiers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SearchHit[] TopK(ReadOnlyMemory<float> rows, int dimension, ReadOnlySpan<float> probe, int k)
    {
        int rowCount = ExactSearch.CheckArguments(rows.Length, dimension, probe.Length, k);
        ReadOnlySpan<float> matrix = rows.Span;
        var best = new List<SearchHit>(Math.Min(k, rowCount) + 1);
        for (int row = 0; row < rowCount; row++)
        {
            float score = 0;
            for (int d = 0; d < dimension; d++)
            {
                score += matrix[row * dimension + d] * probe[d];
            }
            var hit = new SearchHit(row, score);
            int position = best.Count;
            while (position > 0 && hit.RanksAbove(best[position - 1]))
            {
                position--;
            }
            if (position < k)
            {
                best.Insert(position, hit);
                if (best.Count > k)
                {
                    best.RemoveAt(k);
                }
            }
        }
        return best.ToArray();
    }
}
