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

public class ModelStateLayoutTests
{
    [Fact]
    public void Tensor_names_must_be_unique()
    {
        var error = Assert.Throws<ArgumentException>(() => new ModelState([NamedTensor.Zeros("w", [1]), NamedTensor.Zeros("w", [2])]));
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void Looking_up_an_absent_tensor_names_it()
    {
        var model = new ModelState([NamedTensor.Zeros("w", [1])]);
        Assert.Contains("'v'", Assert.Throws<KeyNotFoundException>(() => model["v"]).Message);
        Assert.False(model.TryGet("v", out _));
        Assert.True(model.Contains("w"));
    }

    [Fact]
    public void Counts_parameters_and_data_bytes()
    {
        var model = new ModelState([NamedTensor.Zeros("a", [2, 3]), NamedTensor.Zeros("b", [0]), NamedTensor.Zeros("c", [4])]);
        Assert.Equal(10, model.ParameterCount);
        Assert.Equal(40, model.DataBytes);
    }

    [Fact]
    public void Minus_refuses_a_baseline_with_another_shape()
    {
        var local = new ModelState([NamedTensor.Zeros("w", [2, 1])]);
        var baseline = new ModelState([NamedTensor.Zeros("w", [1, 2])]);
        var error = Assert.Throws<ArgumentException>(() => local.Minus(baseline));
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void Clone_is_deep_and_hashes_the_same()
    {
        var model = new ModelState([new NamedTensor("w", [2], [1f, 2f])]);
        ModelState clone = model.Clone();
        Assert.Equal(model.ComputeSha256Hex(), clone.ComputeSha256Hex());
        clone["w"].Values[0] = 5f;
        Assert.Equal(1f, model["w"].Values[0]);
    }

    [Fact]
    public void Hash_depends_on_tensor_order()
    {
        NamedTensor a = new("a", [1], [1f]);
        NamedTensor b = new("b", [1], [2f]);
        Assert.NotEqual(new ModelState([a, b]).ComputeSha256Hex(), new ModelState([b, a]).ComputeSha256Hex());
        Assert.Equal(64, new ModelState([a]).ComputeSha256Hex().Length);
    }
}
