using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedFace.Evaluation.Identification;

/// <summary>
/// Exact top-k search of a probe against a row-major template matrix: every row is scored (four rows per step,
/// sharing the probe's loads, see <see cref="Similarity"/>), large matrices are split into chunks scanned in
/// parallel, each worker keeps its own k-entry heap and the heaps are merged at the end. Ranking: higher score
/// first, equal scores by lower row index (<see cref="SearchHit.RanksAbove"/>), so the answer does not depend on
/// how the rows were split.
/// </summary>
public static class ExactSearch
{
    /// <summary>Below this many rows one core scans faster than handing chunks to others costs.</summary>
    internal const int ParallelRowThreshold = 32_768;

    /// <summary>The best <paramref name="k"/> rows of <paramref name="rows"/> (fewer if there are fewer rows), best first.</summary>
    public static SearchHit[] TopK(ReadOnlyMemory<float> rows, int dimension, ReadOnlySpan<float> probe, int k)
    {
        int rowCount = CheckArguments(rows.Length, dimension, probe.Length, k);
        var best = new TopKHeap(Math.Max(1, Math.Min(k, rowCount)));
        if (rowCount < ParallelRowThreshold)
        {
            Scan(rows.Span, 0, rowCount, dimension, probe, best);
            return best.ToRankedArray();
        }

        float[] sharedProbe = probe.ToArray(); // a lambda cannot capture a span
        int chunkCount = Environment.ProcessorCount * 4; // a few chunks per core evens out uneven progress
        int rowsPerChunk = (rowCount + chunkCount - 1) / chunkCount;
        var mergeLock = new object();
        Parallel.For(0, chunkCount,
            () => new TopKHeap(best.Capacity),
            (chunk, _, local) =>
            {
                int first = chunk * rowsPerChunk;
                Scan(rows.Span, first, Math.Min(rowCount, first + rowsPerChunk), dimension, sharedProbe, local);
                return local;
            },
            local =>
            {
                lock (mergeLock)
                {
                    best.OfferAll(local);
                }
            });
        return best.ToRankedArray();
    }

    /// <summary>Checks the shapes every search shares and returns the row count.</summary>
    internal static int CheckArguments(int matrixLength, int dimension, int probeLength, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        int rowCount = Similarity.RowCount(matrixLength, dimension);
        if (probeLength != dimension)
        {
            throw new ArgumentException($"the probe has dimension {probeLength}, the templates {dimension}");
        }
        return rowCount;
    }

    // Optimised from the first call: a search is called a few times on huge inputs, and tier-0 code does not
    // inline the kernel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scan(ReadOnlySpan<float> rows, int firstRow, int endRow, int dimension, ReadOnlySpan<float> probe, TopKHeap heap)
    {
        ref float probeStart = ref MemoryMarshal.GetReference(probe);
        ref float matrix = ref MemoryMarshal.GetReference(rows);
        float entry = heap.EntryScore;
        int row = firstRow;
        for (; row <= endRow - 4; row += 4)
        {
            Similarity.DotRows4(ref probeStart, ref Unsafe.Add(ref matrix, (nint)row * dimension), dimension,
                out float score0, out float score1, out float score2, out float score3);
            // Nearly every row fails this test; only the few that pass touch the heap.
            if (score0 >= entry || score1 >= entry || score2 >= entry || score3 >= entry)
            {
                heap.Offer(row, score0);
                heap.Offer(row + 1, score1);
                heap.Offer(row + 2, score2);
                heap.Offer(row + 3, score3);
                entry = heap.EntryScore;
            }
        }
        for (; row < endRow; row++)
        {
            heap.Offer(row, Similarity.Dot(ref probeStart, ref Unsafe.Add(ref matrix, (nint)row * dimension), dimension));
        }
    }
}
