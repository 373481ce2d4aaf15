using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

public sealed class ModelAverageTests
{
    private static ModelState Model(float conv, float runningVariance) => new(
    [
        new NamedTensor("conv.weight", [2], [conv, -conv]),
        new NamedTensor("bn.running_var", [1], [runningVariance]),
    ]);

    [Fact]
    public void The_mean_is_taken_tensor_by_tensor_running_statistics_included()
    {
        ModelState mean = ModelAverage.Mean([Model(1f, 0.5f), Model(2f, 1.5f), Model(6f, 4f)]);

        Assert.Equal(["conv.weight", "bn.running_var"], mean.Tensors.Select(t => t.Name));
        Assert.Equal([3f, -3f], mean["conv.weight"].Values);
        Assert.Equal([2f], mean["bn.running_var"].Values);
    }

    [Fact]
    public void One_model_averages_to_itself_and_the_inputs_are_left_alone()
    {
        ModelState only = Model(1.25f, 0.75f);
        ModelState mean = ModelAverage.Mean([only]);
        Assert.Equal(only.ComputeSha256Hex(), mean.ComputeSha256Hex());
        Assert.NotSame(only["conv.weight"].Values, mean["conv.weight"].Values);
    }

    [Fact]
    public void Models_of_different_layouts_are_refused_by_the_tensor_that_differs()
    {
        var other = new ModelState([new NamedTensor("conv.weight", [2], [0f, 0f]), new NamedTensor("bn.running_var", [2], [1f, 1f])]);

        var error = Assert.Throws<ArgumentException>(() => ModelAverage.Mean([Model(1f, 1f), other]));
        Assert.Contains("'bn.running_var' with shape", error.Message);
        Assert.Throws<ArgumentException>(() => ModelAverage.Mean([]));
    }
}
