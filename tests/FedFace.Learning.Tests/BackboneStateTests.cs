using FedFace.Core;
using FedFace.Learning.Backbones;

namespace FedFace.Learning.Tests;

public sealed class BackboneStateTests
{
    [Fact]
    public void Export_then_import_into_another_network_is_exact()
    {
        using var source = new MobileFaceNet(seed: 1);
        using var target = new MobileFaceNet(seed: 2);
        ModelState exported = BackboneState.Export(source);
        Assert.NotEqual(exported.ComputeSha256Hex(), BackboneState.Export(target).ComputeSha256Hex());

        BackboneState.Import(target, exported);
        ModelState again = BackboneState.Export(target);

        Assert.Equal(exported.Tensors.Select(t => t.Name), again.Tensors.Select(t => t.Name));
        Assert.All(exported.Tensors, t => Assert.Equal(t.Values, again[t.Name].Values));
        Assert.Equal(exported.ComputeSha256Hex(), again.ComputeSha256Hex());
    }

    [Fact]
    public void State_holds_parameters_and_running_statistics_but_no_integer_counters()
    {
        using var net = new MobileFaceNet();
        ModelState state = BackboneState.Export(net);
        var parameters = net.named_parameters().Select(p => p.name).ToHashSet();

        Assert.DoesNotContain(state.Tensors, t => t.Name.Contains("num_batches_tracked"));
        Assert.All(state.Tensors, t => Assert.True(
            parameters.Contains(t.Name) || t.Name.EndsWith(".running_mean") || t.Name.EndsWith(".running_var"), t.Name));
        Assert.Equal(parameters.Count + 2 * 51, state.Tensors.Count); // 51 BatchNorms, each with mean and variance
        Assert.Equal("conv1.0.weight", state.Tensors[0].Name);
    }

    [Fact]
    public void Import_names_a_missing_tensor()
    {
        using var net = new MobileFaceNet();
        ModelState state = BackboneState.Export(net);
        var missing = new ModelState(state.Tensors.Where(t => t.Name != "features.3.conv.1.1.running_var"));

        var error = Assert.Throws<ArgumentException>(() => BackboneState.Import(net, missing));
        Assert.Contains("'features.3.conv.1.1.running_var' is missing", error.Message);
    }

    [Fact]
    public void Import_names_an_extra_tensor_such_as_a_head_weight()
    {
        using var net = new MobileFaceNet();
        ModelState state = BackboneState.Export(net);
        var extra = new ModelState([.. state.Tensors, NamedTensor.Zeros("head.weight", [10, 128])]);

        var error = Assert.Throws<ArgumentException>(() => BackboneState.Import(net, extra));
        Assert.Contains("'head.weight' is not part of the backbone", error.Message);
    }

    [Fact]
    public void Import_names_a_tensor_of_the_wrong_shape_and_writes_nothing()
    {
        using var net = new MobileFaceNet(seed: 1);
        ModelState before = BackboneState.Export(net);
        using var other = new MobileFaceNet(seed: 2);
        ModelState wrong = new(BackboneState.Export(other).Tensors.Select(t =>
            t.Name == "conv3.weight" ? new NamedTensor(t.Name, [128, 512], t.Values) : t));

        var error = Assert.Throws<ArgumentException>(() => BackboneState.Import(net, wrong));
        Assert.Contains("'conv3.weight' has shape [128, 512], the backbone expects [128, 512, 1, 1]", error.Message);
        Assert.Equal(before.ComputeSha256Hex(), BackboneState.Export(net).ComputeSha256Hex());
    }
}
