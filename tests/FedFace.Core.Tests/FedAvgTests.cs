using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

public class FedAvgTests
{
    [Fact]
    public void Apply_adds_the_mean_delta_to_the_global_model_element_by_element()
    {
        (string, long[])[] layout = [("a", [7, 5]), ("b", [3]), ("empty", [0])];
        ModelState global = Models.Random(1, 1f, layout);
        ModelState delta = Models.Random(2, 0.01f, layout);

        ModelState next = new FedAvg().Apply(global, delta);

        Assert.Equal(global.Tensors.Select(t => t.Name), next.Tensors.Select(t => t.Name));
        foreach (NamedTensor g in global.Tensors)
        {
            Assert.Equal(g.Shape, next[g.Name].Shape);
            float[] expected = g.Values.Zip(delta[g.Name].Values, (x, d) => x + d).ToArray();
            Assert.Equal(expected, next[g.Name].Values);
        }
    }

    [Fact]
    public void Apply_leaves_its_inputs_untouched()
    {
        (string, long[])[] layout = [("a", [4, 4])];
        ModelState global = Models.Random(1, 1f, layout);
        ModelState delta = Models.Random(2, 1f, layout);
        string globalHash = global.ComputeSha256Hex();
        string deltaHash = delta.ComputeSha256Hex();

        ModelState next = new FedAvg().Apply(global, delta);
        next["a"].Values[0] = 123f;
        next["a"].Shape[0] = 99;

        Assert.Equal(globalHash, global.ComputeSha256Hex());
        Assert.Equal(deltaHash, delta.ComputeSha256Hex());
    }

    [Fact]
    public void A_round_of_fedavg_moves_the_global_model_by_the_weighted_mean()
    {
        var global = new ModelState([new NamedTensor("w", [2], [10f, 20f])]);
        var accumulator = new FedAvgAccumulator(global);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [1f, -2f])]), 30);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [3f, 2f])]), 10);

        ModelState next = new FedAvg().Apply(global, accumulator.WeightedMean());

        // mean = (30·[1, −2] + 10·[3, 2]) / 40 = [1.5, −1]
        Assert.Equal([11.5f, 19f], next["w"].Values);
    }

    [Fact]
    public void Its_name_is_fedavg()
    {
        Assert.Equal("fedavg", new FedAvg().Name);
    }
}
