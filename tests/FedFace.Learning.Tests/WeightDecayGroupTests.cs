using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using FedFace.Learning.Heads;
using FedFace.Learning.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class WeightDecayGroupTests
{
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void A_step_with_zero_gradients_decays_conv_and_head_weights_only_never_batchnorm_or_biases(OptimizerKind kind)
    {
        using var backbone = new MobileFaceNet(seed: 3);
        using var head = new ArcFaceHead(classCount: 4, seed: 3);
        (string Name, Parameter Parameter)[] parameters =
            [.. backbone.named_parameters(), .. head.named_parameters().Select(p => ("head." + p.name, p.parameter))];
        Dictionary<string, float[]> before = parameters.ToDictionary(p => p.Name, p => p.Parameter.data<float>().ToArray());
        // SGD: w − lr·wd·w; AdamW: w·(1 − lr·wd) and a zero Adam step. Either way: 0.9·w where decay applies.
        var options = TrainingPlan.Default with { Optimizer = kind, LearningRate = 1f, LearningRateFloor = 1f, Momentum = 0, WeightDecay = 0.1f };

        using (optim.Optimizer optimizer = OptimizerFactory.Create(parameters.Select(p => p.Parameter), options))
        using (NewDisposeScope())
        {
            // Zero, not missing, gradients: both optimisers skip a parameter whose gradient is missing.
            parameters.Select(p => p.Parameter.sum()).Aggregate((a, b) => a + b).mul(0).backward();
            optimizer.step();
        }

        string[] batchNorm = backbone.named_modules().Where(m => m.module is BatchNorm2d).Select(m => m.name).ToArray();
        Assert.Equal(51, batchNorm.Length);
        foreach ((string name, Parameter parameter) in parameters)
        {
            float[] after = parameter.data<float>().ToArray();
            bool isBatchNorm = batchNorm.Any(bn => name.StartsWith(bn + ".", StringComparison.Ordinal));
            bool isBias = name.EndsWith(".bias", StringComparison.Ordinal);
            float factor = isBatchNorm || isBias ? 1f : 0.9f;
            Assert.True(after.Zip(before[name]).All(p => Math.Abs(p.First - factor * p.Second) <= 1e-6f * (1 + Math.Abs(p.Second))),
                $"{name}: expected {(factor == 1 ? "no decay" : "decay")}");
        }
        // The split by shape really meets both kinds: conv3 has the network's one convolution bias.
        Assert.Contains(parameters, p => p.Name == "conv3.bias");
        Assert.Contains(parameters, p => p.Name == "head.weight");
    }
}
