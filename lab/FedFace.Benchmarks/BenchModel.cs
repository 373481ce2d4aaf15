using FedFace.Core;

namespace FedFace.Benchmarks;

/// <summary>A backbone-shaped model of exactly 1.2M float32 parameters (4.8 MB) in a few tensors, so chunks
/// cross tensor boundaries as they do for a real model.</summary>
public static class BenchModel
{
    private static readonly (string Name, long[] Shape)[] s_layout =
    [
        ("backbone.conv.weight", [256, 64, 3, 3]), // 147,456
        ("backbone.bn.weight", [1728]),
        ("backbone.bn.bias", [1728]),
        ("backbone.fc.weight", [512, 2048]),       // 1,048,576
        ("backbone.fc.bias", [512]),
    ];

    public const long Parameters = 1_200_000;

    /// <summary>Small finite values (a plausible delta), different for every seed.</summary>
    public static ModelState Create(int seed)
    {
        var random = new Random(seed);
        return new ModelState(s_layout.Select(t =>
        {
            float[] values = new float[NamedTensor.ElementCount(t.Shape)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (random.NextSingle() - 0.5f) * 0.02f;
            }
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), values);
        }));
    }
}
