using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public sealed class ModelVectorLayoutTests
{
    private static readonly (string, long[])[] s_layout = [("conv.weight", [4, 3, 3, 3]), ("bn.bias", [4]), ("fc.weight", [5, 4])];

    [Fact]
    public void Flattening_follows_the_global_models_order_whatever_the_deltas_order_and_unflattening_gives_the_tensors_back()
    {
        ModelState global = Models.Random(1, 1f, s_layout);
        ModelState delta = Models.Random(2, 0.1f, s_layout);
        var reordered = new ModelState(delta.Tensors.Reverse());
        var layout = ModelVectorLayout.Of(global);

        float[] vector = layout.Flatten(reordered);

        Assert.Equal(108 + 4 + 20, layout.Length);
        Assert.Equal(delta.Tensors.SelectMany(t => t.Values), vector);
        Models.AssertIdentical(delta, layout.Unflatten(vector));
    }

    [Fact]
    public void The_hash_covers_names_shapes_and_order_and_a_delta_of_another_shape_is_refused_by_name()
    {
        ModelState global = Models.Random(1, 1f, s_layout);
        byte[] hash = ModelVectorLayout.Of(global).Sha256;

        Assert.Equal(hash, ModelVectorLayout.Of(Models.Random(9, 5f, s_layout)).Sha256); // values do not matter
        Assert.NotEqual(hash, ModelVectorLayout.Of(new ModelState(global.Tensors.Reverse())).Sha256);
        Assert.NotEqual(hash, ModelVectorLayout.Of(Models.Random(1, 1f, ("conv.weight", [4, 3, 3, 3]), ("bn.bias", [4]), ("fc.weight", [4, 5]))).Sha256);
        Assert.NotEqual(hash, ModelVectorLayout.Of(Models.Random(1, 1f, ("conv.weight", [4, 3, 3, 3]), ("bn.bias", [4]), ("fc.bias", [5, 4]))).Sha256);
        var error = Assert.Throws<ArgumentException>(() => ModelVectorLayout.Of(global).Flatten(Models.Random(3, 1f, ("conv.weight", [4, 3, 3, 3]), ("bn.bias", [4]))));
        Assert.Contains("fc.weight", error.Message);
    }

    [Fact]
    public void Extra_coordinates_follow_the_models_values_come_back_apart_from_the_tensors_and_change_the_hash()
    {
        ModelState global = Models.Random(1, 1f, s_layout);
        ModelState delta = Models.Random(2, 0.1f, s_layout);
        var layout = ModelVectorLayout.Of(global, extraCoordinates: 1);

        float[] vector = layout.Flatten(delta, [0.5f]);

        Assert.Equal((133, 132, 1), (layout.Length, layout.ModelLength, layout.ExtraCoordinates));
        Assert.Equal(0.5f, vector[^1]);
        Models.AssertIdentical(delta, layout.Unflatten(vector));
        Assert.Equal([0.5f], layout.ExtrasOf(vector));
        Assert.NotEqual(ModelVectorLayout.Of(global).Sha256, layout.Sha256);
        Assert.Throws<ArgumentException>(() => layout.Flatten(delta));
    }
}
