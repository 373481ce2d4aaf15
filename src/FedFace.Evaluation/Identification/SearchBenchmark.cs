using System.Diagnostics;

namespace FedFace.Evaluation.Identification;

/// <summary>One gallery size: median milliseconds per probe for the exact search and its scalar peer.</summary>
public sealed record SearchBenchmarkRow(int TemplateCount, int Dimension, int FastProbes, double FastMedianMs, int ScalarProbes, double ScalarMedianMs)
{
    public double ScalarOverFast => ScalarMedianMs / FastMedianMs;
}

/// <summary>
/// The search benchmark's figures. <see cref="ScalarOverFastAtLargest"/>: how many times slower the scalar
/// reference is at the largest size. <see cref="Disagreements"/>: probes for which the two top-k lists differed
/// (they can only differ by float rounding between near-equal scores; expected 0).
/// </summary>
public sealed record SearchBenchmarkResult(int K, int ProcessorCount, IReadOnlyList<SearchBenchmarkRow> Rows, double ScalarOverFastAtLargest, int Disagreements);

/// <summary>
/// Times exact top-k search (<see cref="ExactSearch"/>) against the scalar reference (<see cref="ReferenceSearch"/>)
/// on random unit templates of several gallery sizes. Each probe is timed alone (latency, not throughput); both
/// searches see the same probes; one untimed search of each warms the code up. The smaller galleries are prefixes
/// of the largest, which is generated once.
/// </summary>
public static class SearchBenchmark
{
    public const int K = 5;
    /// <summary>From this size on the scalar search runs a quarter of the probes (at least 3): it is slow there.</summary>
    private const int LargeGallery = 500_000;

    public static SearchBenchmarkResult Run(IReadOnlyList<int> sizes, int dimension, int repeats, int seed, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        if (sizes.Count == 0 || sizes.Any(n => n <= 0))
        {
            throw new ArgumentException("give one or more positive gallery sizes", nameof(sizes));
        }
        float[] templates = RandomUnitRows(sizes.Max(), dimension, seed);
        float[] probes = RandomUnitRows(repeats, dimension, seed + 1);

        var rows = new List<SearchBenchmarkRow>();
        int disagreements = 0;
        foreach (int size in sizes)
        {
            ReadOnlyMemory<float> gallery = templates.AsMemory(0, size * dimension);
            int scalarProbes = size >= LargeGallery ? Math.Max(3, repeats / 4) : repeats;
            ExactSearch.TopK(gallery, dimension, probes.AsSpan(0, dimension), K);
            ReferenceSearch.TopK(gallery, dimension, probes.AsSpan(0, dimension), K);
            var fastMs = new List<double>();
            var scalarMs = new List<double>();
            for (int p = 0; p < repeats; p++)
            {
                ReadOnlySpan<float> probe = probes.AsSpan(p * dimension, dimension);
                long start = Stopwatch.GetTimestamp();
                SearchHit[] fast = ExactSearch.TopK(gallery, dimension, probe, K);
                fastMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (p < scalarProbes)
                {
                    start = Stopwatch.GetTimestamp();
                    SearchHit[] scalar = ReferenceSearch.TopK(gallery, dimension, probe, K);
                    scalarMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    disagreements += fast.Select(h => h.Index).SequenceEqual(scalar.Select(h => h.Index)) ? 0 : 1;
                }
            }
            var row = new SearchBenchmarkRow(size, dimension, repeats, Median(fastMs), scalarProbes, Median(scalarMs));
            rows.Add(row);
            progress?.WriteLine($"N={size,9:N0} d={dimension}: exact top-{K} {row.FastMedianMs,8:F3} ms/probe, scalar {row.ScalarMedianMs,8:F3} ms/probe, {row.ScalarOverFast:F1}x");
        }
        SearchBenchmarkRow largest = rows.MaxBy(r => r.TemplateCount)!;
        return new SearchBenchmarkResult(K, Environment.ProcessorCount, rows, largest.ScalarOverFast, disagreements);
    }

    /// <summary>Times <see cref="AllPairsVerification"/> on random unit embeddings of <paramref name="identities"/> people.</summary>
    public static (AllPairsResult Result, double Seconds) TimeAllPairs(int count, int dimension, int identities, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identities);
        float[] embeddings = RandomUnitRows(count, dimension, seed);
        int[] labels = Enumerable.Range(0, count).Select(i => i % identities).ToArray();
        long start = Stopwatch.GetTimestamp();
        AllPairsResult result = AllPairsVerification.Evaluate(embeddings, dimension, labels, AllPairsVerification.StandardFars);
        return (result, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Rows of independent standard normal values (Box–Muller), L2-normalised: uniform on the sphere.</summary>
    internal static float[] RandomUnitRows(int count, int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        var rows = new float[checked(count * dimension)];
        const int RowsPerChunk = 4096;
        Parallel.For(0, (count + RowsPerChunk - 1) / RowsPerChunk, chunk =>
        {
            var random = new Random(unchecked(seed * 1_000_003 + chunk)); // the same rows whatever the thread count
            Span<float> values = rows.AsSpan(chunk * RowsPerChunk * dimension, Math.Min(RowsPerChunk, count - chunk * RowsPerChunk) * dimension);
            for (int i = 0; i < values.Length; i += 2)
            {
                double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
                double angle = 2 * Math.PI * random.NextDouble();
                values[i] = (float)(radius * Math.Cos(angle));
                if (i + 1 < values.Length)
                {
                    values[i + 1] = (float)(radius * Math.Sin(angle));
                }
            }
            for (int row = 0; row < values.Length; row += dimension)
            {
                Similarity.L2Normalize(values.Slice(row, dimension));
            }
        });
        return rows;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
