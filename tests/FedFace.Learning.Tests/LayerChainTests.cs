using FedFace.Learning.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class LayerChainTests
{
    /// <summary>Doubles its input and remembers what it returned.</summary>
    private sealed class Doubling() : nn.Module<Tensor, Tensor>(nameof(Doubling))
    {
        public List<Tensor> Outputs { get; } = [];

        public override Tensor forward(Tensor x)
        {
            Tensor output = x * 2;
            Outputs.Add(output);
            return output;
        }
    }

    [Fact]
    public void Apply_releases_every_intermediate_but_neither_the_input_nor_the_result()
    {
        using var scope = NewDisposeScope();
        using Doubling first = new(), second = new(), third = new();
        Doubling[] layers = [first, second, third];
        Tensor input = ones(2);

        Tensor result = LayerChain.Apply(input, first, second, third);

        Assert.Equal(new[] { 8f, 8f }, result.data<float>().ToArray());
        Assert.False(input.IsInvalid);
        Assert.True(layers[0].Outputs[0].IsInvalid);
        Assert.True(layers[1].Outputs[0].IsInvalid);
        Assert.Same(layers[2].Outputs[0], result);
        Assert.False(result.IsInvalid);
    }

    [Fact]
    public void Gradients_through_released_intermediates_equal_those_of_nested_calls()
    {
        using var scope = NewDisposeScope();
        using var first = nn.Linear(4, 5);
        using var activation = nn.Tanh();
        using var second = nn.Linear(5, 3);
        Tensor input = randn(6, 4);

        LayerChain.Apply(input, first, activation, second).square().sum().backward();
        float[][] chained = [.. new[] { first.weight!, second.weight! }.Select(w => w.grad!.data<float>().ToArray())];
        first.zero_grad();
        second.zero_grad();
        second.call(activation.call(first.call(input))).square().sum().backward();

        Assert.Equal(first.weight!.grad!.data<float>().ToArray(), chained[0]);
        Assert.Equal(second.weight!.grad!.data<float>().ToArray(), chained[1]);
    }
}
