using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests.Identification;

public sealed class SearchBenchmarkTests
{
    [Fact]
    public void Runs_on_tiny_galleries_and_reports_every_size()
    {
        var progress = new StringWriter();

        SearchBenchmarkResult result = SearchBenchmark.Run([100, 333], dimension: 16, repeats: 3, seed: 1, progress);

        Assert.Equal([100, 333], result.Rows.Select(r => r.TemplateCount));
        Assert.All(result.Rows, row => Assert.True(row.FastMedianMs > 0 && row.ScalarMedianMs > 0));
        Assert.Equal(result.Rows[1].ScalarOverFast, result.ScalarOverFastAtLargest);
        Assert.Equal(0, result.Disagreements);
        Assert.Equal(2, progress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Times_the_all_pairs_protocol_on_random_embeddings()
    {
        (AllPairsResult result, double seconds) = SearchBenchmark.TimeAllPairs(count: 300, dimension: 16, identities: 30, seed: 2);

        Assert.Equal(30 * 45, result.GenuinePairs);
        Assert.Equal(AllPairsVerification.StandardFars.Count, result.Points.Count);
        Assert.True(seconds > 0);
    }

    [Fact]
    public void Random_unit_rows_are_unit_length_and_the_same_for_the_same_seed()
    {
        float[] rows = SearchBenchmark.RandomUnitRows(5000, 8, seed: 3);

        Assert.Equal(rows, SearchBenchmark.RandomUnitRows(5000, 8, seed: 3));
        Assert.All(Enumerable.Range(0, 5000), r => Assert.Equal(1, Similarity.Dot(rows.AsSpan(r * 8, 8), rows.AsSpan(r * 8, 8)), 1e-5));
    }
}
