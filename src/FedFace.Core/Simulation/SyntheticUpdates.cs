using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Simulation;

/// <summary>
/// Deltas without training: for each site and round, normal values of standard deviation <paramref name="standardDeviation"/>
/// in the global model's layout, drawn from a keystream seeded by (<paramref name="seed"/>, site, round), so a run repeats
/// in any process. The keystream is secure aggregation's AES-CTR PRG: a model-sized delta takes milliseconds, so a
/// simulation of thousands of synthetic sites measures the protocol and the aggregator, not the drawing.
/// </summary>
public sealed class SyntheticUpdates(int seed, float standardDeviation = 1e-3f)
{
    private const double WordRange = 4294967296.0; // 2³²

    public ModelState For(string siteId, long round, ModelState global)
    {
        ArgumentNullException.ThrowIfNull(global);
        Span<float> normals = Normals(siteId, round, checked((int)global.Tensors.Sum(t => (long)t.Values.Length)));
        var tensors = new List<NamedTensor>(global.Tensors.Count);
        foreach (NamedTensor t in global.Tensors)
        {
            tensors.Add(new NamedTensor(t.Name, (long[])t.Shape.Clone(), normals[..t.Values.Length].ToArray()));
            normals = normals[t.Values.Length..];
        }
        return new ModelState(tensors);
    }

    /// <summary>Box–Muller on pairs of keystream words, both values of each pair used, written over the pair itself.</summary>
    private Span<float> Normals(string siteId, long round, int count)
    {
        byte[] key = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{siteId}/{round}"));
        uint[] words = MaskExpander.Expand(key, count + (count & 1));
        Span<float> normals = MemoryMarshal.Cast<uint, float>(words.AsSpan());
        for (int i = 0; i < words.Length; i += 2)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log((words[i] + 1.0) / WordRange)); // (0, 1]: the log stays finite
            (double sin, double cos) = Math.SinCos(2.0 * Math.PI * (words[i + 1] / WordRange));
            normals[i] = (float)(radius * cos) * standardDeviation;
            normals[i + 1] = (float)(radius * sin) * standardDeviation;
        }
        return normals;
    }
}
