namespace FedFace.Evaluation.Tests;

public sealed class SimilarityTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(128)]
    [InlineData(130)]
    public void The_four_row_kernel_scores_each_row_bit_identically_to_the_single_dot_product(int dimension)
    {
        float[] rows = RandomEmbeddings.Normal(5, dimension, seed: dimension);
        float[] probe = rows[..dimension];

        Similarity.DotRows4(ref probe[0], ref rows[dimension], dimension,
            out float score0, out float score1, out float score2, out float score3);

        float[] expected = Enumerable.Range(1, 4).Select(r => Similarity.Dot(probe, rows.AsSpan(r * dimension, dimension))).ToArray();
        Assert.Equal(expected, new[] { score0, score1, score2, score3 });
        Assert.Equal(expected[0], Similarity.Dot(rows.AsSpan(dimension, dimension), probe)); // symmetric, bit for bit
    }

    [Fact]
    public void Dot_agrees_with_a_double_precision_sum()
    {
        float[] rows = RandomEmbeddings.Normal(2, 300, seed: 3);
        double exact = 0;
        for (int d = 0; d < 300; d++)
        {
            exact += (double)rows[d] * rows[300 + d];
        }
        Assert.Equal(exact, Similarity.Dot(rows.AsSpan(0, 300), rows.AsSpan(300)), 1e-4);
        Assert.Throws<ArgumentException>(() => Similarity.Dot(new float[3], new float[4]));
    }

    [Fact]
    public void Normalising_gives_unit_rows_and_refuses_zero_and_non_finite_ones()
    {
        float[] normalised = Similarity.L2NormalizeRows([3, 4, 0, -2], dimension: 2);
        Assert.Equal([0.6f, 0.8f, 0, -1], normalised);

        Assert.Contains("row 1: a zero vector", Assert.Throws<ArgumentException>(() => Similarity.L2NormalizeRows([1, 0, 0, 0], 2)).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => Similarity.L2NormalizeRows([float.NaN, 1], 2)).Message);
        Assert.Throws<ArgumentException>(() => Similarity.L2NormalizeRows([1, 2, 3], 2));
    }
}
