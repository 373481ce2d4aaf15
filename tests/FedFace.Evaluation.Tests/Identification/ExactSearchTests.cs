using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests.Identification;

public sealed class ExactSearchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(17)]
    [InlineData(2000)] // more than there are rows
    public void Equals_the_scalar_reference_on_exact_scores_with_many_ties(int k)
    {
        // 1,003 rows (not a multiple of the four-row step) of dimension 37 (not a multiple of eight lanes); integer
        // entries make every score exact, so both searches must agree bit for bit, ties and all.
        const int Dimension = 37;
        float[] rows = ExactEmbeddings.SmallIntegers(1003, Dimension, seed: k);
        float[] probes = ExactEmbeddings.SmallIntegers(8, Dimension, seed: 100 + k);

        for (int p = 0; p < 8; p++)
        {
            ReadOnlySpan<float> probe = probes.AsSpan(p * Dimension, Dimension);
            SearchHit[] fast = ExactSearch.TopK(rows, Dimension, probe, k);
            Assert.Equal(ReferenceSearch.TopK(rows, Dimension, probe, k), fast);
            Assert.Equal(Math.Min(k, 1003), fast.Length);
        }
    }

    [Fact]
    public void Equals_the_scalar_reference_when_the_rows_are_split_over_cores()
    {
        const int Dimension = 12;
        int rowCount = ExactSearch.ParallelRowThreshold + 13;
        float[] rows = ExactEmbeddings.SmallIntegers(rowCount, Dimension, seed: 1); // duplicates and ties in every chunk
        float[] probe = ExactEmbeddings.SmallIntegers(1, Dimension, seed: 2);

        foreach (int k in new[] { 1, 5, 50 })
        {
            Assert.Equal(ReferenceSearch.TopK(rows, Dimension, probe, k), ExactSearch.TopK(rows, Dimension, probe, k));
        }
    }

    [Fact]
    public void Agrees_with_the_scalar_reference_on_random_embeddings()
    {
        float[] rows = Similarity.L2NormalizeRows(RandomEmbeddings.Normal(2001, 128, seed: 7), 128);
        float[] probe = Similarity.L2NormalizeRows(RandomEmbeddings.Normal(1, 128, seed: 8), 128);

        SearchHit[] fast = ExactSearch.TopK(rows, 128, probe, 10);
        SearchHit[] reference = ReferenceSearch.TopK(rows, 128, probe, 10);

        // The summation orders differ, so scores may differ in the last bits; the ranking does not here.
        Assert.Equal(reference.Select(h => h.Index), fast.Select(h => h.Index));
        Assert.All(fast.Zip(reference), pair => Assert.Equal(pair.Second.Score, pair.First.Score, 1e-5f));
    }

    [Fact]
    public void Equal_scores_rank_by_lower_row_index()
    {
        // Rows 2, 5 and 9 are the same best vector; row 7 is second best.
        var rows = new float[12 * 4];
        foreach (int row in new[] { 2, 5, 9 })
        {
            rows[row * 4] = 1;
        }
        rows[7 * 4] = 0.5f;

        SearchHit[] hits = ExactSearch.TopK(rows, 4, [1, 0, 0, 0], 4);

        Assert.Equal([new(2, 1), new(5, 1), new(9, 1), new(7, 0.5f)], hits);
    }

    [Fact]
    public void Refuses_a_probe_of_the_wrong_dimension_and_a_non_positive_k()
    {
        float[] rows = new float[20];
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(rows, 4, new float[3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSearch.TopK(rows, 4, new float[4], 0));
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(new float[7], 4, new float[4], 1));
    }
}
