using System.Text;
using FedFace.Core;

namespace FedFace.Core.Simulation;

/// <summary>
/// Deltas without training: for each site and round, normal values of standard deviation <paramref name="standardDeviation"/>
/// in the global model's layout, from a generator seeded by (<paramref name="seed"/>, site, round), so a run repeats.
/// </summary>
public sealed class SyntheticUpdates(int seed, float standardDeviation = 1e-3f)
{
    public ModelState For(string siteId, long round, ModelState global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var random = new Random(StableSeed(siteId, round));
        return new ModelState(global.Tensors.Select(t =>
        {
            float[] values = new float[t.Values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)random.NextGaussian() * standardDeviation;
            }
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), values);
        }));
    }

    /// <summary>FNV-1a over the site id, the round and the run's seed: string.GetHashCode differs between processes.</summary>
    private int StableSeed(string siteId, long round)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes($"{seed}/{siteId}/{round}"))
        {
            hash = (hash ^ b) * 16777619;
        }
        return (int)(hash & int.MaxValue);
    }
}

internal static class GaussianRandom
{
    /// <summary>Box–Muller: one standard normal value.</summary>
    public static double NextGaussian(this Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // in (0, 1]: log stays finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
