using FedFace.Core;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Small deterministic models and deltas, and the FedAvg expectation recomputed independently.</summary>
public static class TestModels
{
    /// <summary>The layout of a tiny backbone: a convolution, BatchNorm statistics and a linear layer.</summary>
    public static readonly (string Name, long[] Shape)[] SmallLayout =
    [
        ("conv.weight", [8, 3, 3, 3]),
        ("bn.running_mean", [8]),
        ("fc.weight", [16, 8]),
    ];

    /// <summary>1.2M floats (4.8 MB) in one tensor: more than gRPC's 4 MiB default message limit.</summary>
    public static readonly (string Name, long[] Shape)[] LargeLayout =
    [
        ("backbone.weight", [1200, 1000]),
        ("bn.running_mean", [8]),
    ];

    public static ModelState Small(int seed) => Random(SmallLayout, seed, scale: 1f);

    public static ModelState Large(int seed) => Random(LargeLayout, seed, scale: 1f);

    public static ModelState Random(IEnumerable<(string Name, long[] Shape)> layout, int seed, float scale)
    {
        var random = new Random(seed);
        return new ModelState(layout.Select(t =>
        {
            float[] values = new float[NamedTensor.ElementCount(t.Shape)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), values);
        }));
    }

    /// <summary>The delta a synthetic site sends in a round: small values, the same for the same site and round.</summary>
    public static ModelState DeltaFor(string siteId, long round, ModelState global) =>
        Random(global.Tensors.Select(t => (t.Name, t.Shape)), StableSeed($"{siteId}/{round}"), scale: 0.05f);

    /// <summary>A seed from a string that, unlike string.GetHashCode, is the same in every process (FNV-1a).</summary>
    public static int StableSeed(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash & 0x7fffffff);
    }

    /// <summary>committed = previous + Σ nᵢδᵢ / Σ nᵢ, recomputed here in double precision, within <paramref name="tolerance"/> per coordinate.</summary>
    public static void AssertPreviousPlusWeightedMean(ModelState previous, IReadOnlyList<(ModelState Delta, long Examples)> updates, ModelState committed,
        double tolerance = 1e-5)
    {
        Assert.NotEmpty(updates);
        Assert.Equal(previous.Tensors.Select(t => t.Name), committed.Tensors.Select(t => t.Name));
        double totalExamples = updates.Sum(u => (double)u.Examples);
        foreach (NamedTensor before in previous.Tensors)
        {
            NamedTensor after = committed[before.Name];
            Assert.Equal(before.Shape, after.Shape);
            for (int i = 0; i < before.Values.Length; i++)
            {
                double weightedSum = 0;
                foreach ((ModelState delta, long examples) in updates)
                {
                    weightedSum += examples * (double)delta[before.Name].Values[i];
                }
                double expected = before.Values[i] + weightedSum / totalExamples;
                if (Math.Abs(expected - after.Values[i]) > tolerance)
                {
                    Assert.Fail($"{before.Name}[{i}]: expected previous {before.Values[i]} + weighted mean = {expected}, committed {after.Values[i]}");
                }
            }
        }
    }

    public static void AssertSameValues(ModelState expected, ModelState actual)
    {
        Assert.Equal(expected.ComputeSha256Hex(), actual.ComputeSha256Hex());
    }

    /// <summary>
    /// committed = previous + (Σ sent + noise)/m: the residual after the noiseless part must look like N(0, (σ/m)²) over the
    /// model's values. Its sample standard deviation is within a few percent of the truth for a few hundred values.
    /// </summary>
    public static void AssertPreviousPlusNoisedSumOverSampled(ModelState previous, IReadOnlyList<ModelState> sent, int sampledSites,
        double noiseStandardDeviation, ModelState committed)
    {
        var residuals = new List<double>();
        foreach (NamedTensor before in previous.Tensors)
        {
            for (int i = 0; i < before.Values.Length; i++)
            {
                double sum = sent.Sum(delta => (double)delta[before.Name].Values[i]);
                residuals.Add(committed[before.Name].Values[i] - before.Values[i] - sum / sampledSites);
            }
        }
        double expected = noiseStandardDeviation / sampledSites;
        double mean = residuals.Average();
        double deviation = Math.Sqrt(residuals.Sum(r => (r - mean) * (r - mean)) / (residuals.Count - 1));
        Assert.True(Math.Abs(mean) < 6 * expected / Math.Sqrt(residuals.Count), $"the residual's mean {mean:G4} is not 0 (noise σ/m = {expected:G4})");
        Assert.True(Math.Abs(deviation / expected - 1) < 0.25,
            $"the residual's standard deviation {deviation:G4} is not the noise's σ/m = {expected:G4}: not the noised sum of what was sent over {sampledSites} sites");
    }
}
