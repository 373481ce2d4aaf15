using FedFace.Core;

namespace FedFace.Core.Tests;

public class ModelStateTests
{
    [Fact]
    public void Minus_gives_the_elementwise_difference()
    {
        var local = new ModelState([new NamedTensor("w", [2], [3f, 5f])]);
        var global = new ModelState([new NamedTensor("w", [2], [1f, 1f])]);
        Assert.Equal([2f, 4f], local.Minus(global)["w"].Values);
    }

    [Fact]
    public void Hash_changes_with_names_shapes_and_values()
    {
        string Hash(string name, long[] shape, float[] values) => new ModelState([new NamedTensor(name, shape, values)]).ComputeSha256Hex();
        string baseline = Hash("w", [2, 1], [1f, 2f]);
        Assert.Equal(baseline, Hash("w", [2, 1], [1f, 2f]));
        Assert.NotEqual(baseline, Hash("v", [2, 1], [1f, 2f]));
        Assert.NotEqual(baseline, Hash("w", [1, 2], [1f, 2f]));
        Assert.NotEqual(baseline, Hash("w", [2, 1], [1f, 2.5f]));
    }

    [Fact]
    public void Shape_and_value_count_must_agree()
    {
        var error = Assert.Throws<ArgumentException>(() => new NamedTensor("w", [2, 2], [1f]));
        Assert.Contains("'w'", error.Message);
    }
}
