namespace FedFace.Evaluation.Tests;

public sealed class AllPairsVerificationTests
{
    private static readonly double[] Fars = [1, 0.5, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6];

    [Fact]
    public void Matches_sorting_every_impostor_score_on_tie_heavy_exact_scores()
    {
        // 600 unit vectors of 60 identities whose scores are multiples of 1/32: every threshold sits in a tie.
        (float[] rows, int[] ids) = ExactEmbeddings.SignVectors(identities: 60, perIdentity: 10, seed: 11);

        AllPairsResult result = AllPairsVerification.Evaluate(rows, 64, ids, Fars);

        AssertMatchesBruteForce(result, rows, 64, ids, (a, b) =>
        {
            double sum = 0; // exact: the products are ±1/64 and their sums multiples of 1/32
            for (int d = 0; d < a.Length; d++)
            {
                sum += (double)a[d] * b[d];
            }
            return (float)sum;
        });
        Assert.Equal(60 * 45, result.GenuinePairs);
        Assert.Equal(600 * 599 / 2 - 60 * 45, result.ImpostorPairs);
        // The ties at the threshold leave fewer false accepts than allowed.
        Assert.Contains(result.Points, p => p.FalseAccepts < FarThreshold.AllowedFalseAccepts(p.TargetFar, result.ImpostorPairs));
    }

    [Fact]
    public void Matches_sorting_every_impostor_score_on_random_embeddings_of_an_odd_dimension()
    {
        // Dimension 21: the vector loop and the scalar tail both contribute; identities of uneven sizes.
        var random = new Random(3);
        int[] ids = Enumerable.Range(0, 613).Select(_ => random.Next(60)).ToArray();
        float[] raw = RandomEmbeddings.Normal(613, 21, seed: 4);
        float[] centres = RandomEmbeddings.Normal(60, 21, seed: 5);
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] += centres[ids[i / 21] * 21 + i % 21]; // identity signal, so that genuine pairs score higher
        }

        AllPairsResult result = AllPairsVerification.Evaluate(raw, 21, ids, Fars);

        // The protocol's kernel scores a pair bit-identically to Similarity.Dot on the normalised rows.
        AssertMatchesBruteForce(result, Similarity.L2NormalizeRows(raw, 21), 21, ids, (a, b) => Similarity.Dot(a, b));
    }

    [Fact]
    public void Ordered_keys_sort_like_the_floats_and_both_zeros_share_one()
    {
        float[] ascending = [float.NegativeInfinity, -1e30f, -1, -float.Epsilon, 0, float.Epsilon, 0.5f, 1, float.PositiveInfinity];
        uint[] keys = ascending.Select(AllPairsVerification.OrderedKey).ToArray();

        Assert.Equal(keys.Order(), keys);
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(AllPairsVerification.OrderedKey(0f), AllPairsVerification.OrderedKey(-0f));
        Assert.All(ascending, value => Assert.Equal(value, AllPairsVerification.FromOrderedKey(AllPairsVerification.OrderedKey(value))));
    }

    [Fact]
    public void Refuses_sets_without_both_kinds_of_pairs_and_mismatched_labels()
    {
        float[] rows = RandomEmbeddings.Normal(4, 8, seed: 1);
        Assert.Contains("0 genuine", Assert.Throws<ArgumentException>(() => AllPairsVerification.Evaluate(rows, 8, [1, 2, 3, 4], [1e-3])).Message);
        Assert.Contains("0 impostor", Assert.Throws<ArgumentException>(() => AllPairsVerification.Evaluate(rows, 8, [1, 1, 1, 1], [1e-3])).Message);
        Assert.Throws<ArgumentException>(() => AllPairsVerification.Evaluate(rows, 8, [1, 1, 2], [1e-3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AllPairsVerification.Evaluate(rows, 8, [1, 1, 2, 2], [2.0]));
    }

    /// <summary>Scores every pair with <paramref name="score"/>, sorts the impostors, and checks each point.</summary>
    private static void AssertMatchesBruteForce(AllPairsResult result, float[] rows, int dimension, int[] ids, Func<float[], float[], float> score)
    {
        var genuine = new List<float>();
        var impostors = new List<float>();
        int count = ids.Length;
        for (int i = 0; i < count; i++)
        {
            for (int j = i + 1; j < count; j++)
            {
                float s = score(rows[(i * dimension)..((i + 1) * dimension)], rows[(j * dimension)..((j + 1) * dimension)]);
                (ids[i] == ids[j] ? genuine : impostors).Add(s);
            }
        }
        impostors.Sort((a, b) => b.CompareTo(a));
        Assert.Equal(count, result.EmbeddingCount);
        Assert.Equal(genuine.Count, result.GenuinePairs);
        Assert.Equal(impostors.Count, result.ImpostorPairs);
        Assert.Equal(Fars, result.Points.Select(p => p.TargetFar));
        foreach (AllPairsTarAtFar point in result.Points)
        {
            long allowed = (long)Math.Floor((decimal)point.TargetFar * impostors.Count);
            float threshold = allowed < impostors.Count ? impostors[(int)allowed] : float.NegativeInfinity;
            long falseAccepts = impostors.Count(s => s > threshold);
            long trueAccepts = genuine.Count(s => s > threshold);
            Assert.Equal(threshold, point.Threshold);
            Assert.Equal(falseAccepts, point.FalseAccepts);
            Assert.True(falseAccepts <= allowed);
            Assert.Equal(trueAccepts, point.TrueAccepts);
            Assert.Equal((double)trueAccepts / genuine.Count, point.Tar);
            Assert.Equal((double)falseAccepts / impostors.Count, point.Far);
        }
    }
}
