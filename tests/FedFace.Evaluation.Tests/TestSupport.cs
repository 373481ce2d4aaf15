namespace FedFace.Evaluation.Tests;

/// <summary>Embeddings whose dot products are exact in float whatever the summation order, so that any two correct
/// implementations agree bit for bit, and which tie often.</summary>
internal static class ExactEmbeddings
{
    /// <summary>
    /// Unit vectors with 64 components of ±1/8 (squares sum to exactly 1, dot products are multiples of 1/32):
    /// each identity has a random sign pattern and each of its images flips every sign with probability 0.2.
    /// Identities are dealt in a shuffled order, <paramref name="perIdentity"/> images each.
    /// </summary>
    public static (float[] Rows, int[] Identities) SignVectors(int identities, int perIdentity, int seed)
    {
        const int Dimension = 64;
        var random = new Random(seed);
        bool[][] patterns = Enumerable.Range(0, identities)
            .Select(_ => Enumerable.Range(0, Dimension).Select(_ => random.Next(2) == 1).ToArray()).ToArray();
        int[] ids = Enumerable.Range(0, identities * perIdentity).Select(i => i % identities).OrderBy(_ => random.Next()).ToArray();
        var rows = new float[ids.Length * Dimension];
        for (int i = 0; i < ids.Length; i++)
        {
            for (int d = 0; d < Dimension; d++)
            {
                bool positive = patterns[ids[i]][d] ^ (random.NextDouble() < 0.2);
                rows[i * Dimension + d] = positive ? 0.125f : -0.125f;
            }
        }
        return (rows, ids);
    }

    /// <summary>Rows of small integers in [-2, 2]: every dot product is an exact integer; many rows repeat.</summary>
    public static float[] SmallIntegers(int rows, int dimension, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * dimension).Select(_ => (float)random.Next(-2, 3)).ToArray();
    }
}

internal static class RandomEmbeddings
{
    public static float[] Normal(int rows, int dimension, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * dimension)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
    }
}
