using System.Runtime.InteropServices;

namespace FedFace.Core.Tests;

internal static class Models
{
    /// <summary>A model with the given tensors, filled with seeded values in [-scale, scale).</summary>
    public static ModelState Random(int seed, float scale, params (string Name, long[] Shape)[] layout)
    {
        var random = new Random(seed);
        return new ModelState(layout.Select(t =>
        {
            var values = new float[NamedTensor.ElementCount(t.Shape)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }
            return new NamedTensor(t.Name, t.Shape, values);
        }));
    }

    /// <summary>The tensors' data as one little-endian byte array, in model order.</summary>
    public static byte[] RawBytes(ModelState model) =>
        model.Tensors.SelectMany(t => MemoryMarshal.AsBytes(t.Values.AsSpan()).ToArray()).ToArray();

    /// <summary>Asserts names, shapes and the exact bit patterns of every value agree.</summary>
    public static void AssertIdentical(ModelState expected, ModelState actual)
    {
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            NamedTensor e = expected.Tensors[i];
            NamedTensor a = actual.Tensors[i];
            Assert.Equal(e.Shape, a.Shape);
            Assert.True(MemoryMarshal.AsBytes(e.Values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(a.Values.AsSpan())),
                $"values of tensor '{e.Name}' differ");
        }
        Assert.Equal(expected.ComputeSha256Hex(), actual.ComputeSha256Hex());
    }
}
