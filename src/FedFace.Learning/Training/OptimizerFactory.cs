using FedFace.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// Builds the optimiser of <see cref="TrainingPlan.Optimizer"/> over two parameter groups: one with weight
/// decay (convolution, linear and head weights) and one without (BatchNorm weights and every bias). Decaying BN's
/// scale and shift or a bias only pulls activations towards zero, it does not regularise; insightface, timm and
/// most recipes exempt them.
/// </summary>
internal static class OptimizerFactory
{
    public static optim.Optimizer Create(IEnumerable<Parameter> trainable, TrainingPlan options)
    {
        (List<Parameter> decayed, List<Parameter> undecayed) = SplitByWeightDecay(trainable);
        double rate = options.LearningRate;
        return options.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(
                [
                    new SGD.ParamGroup(decayed, rate, options.Momentum, weight_decay: options.WeightDecay),
                    new SGD.ParamGroup(undecayed, rate, options.Momentum, weight_decay: 0),
                ],
                rate, options.Momentum),
            OptimizerKind.AdamW => optim.AdamW(
                [
                    new AdamW.ParamGroup(decayed, rate, AdamBeta1, AdamBeta2, AdamEpsilon, weight_decay: options.WeightDecay),
                    new AdamW.ParamGroup(undecayed, rate, AdamBeta1, AdamBeta2, AdamEpsilon, weight_decay: 0),
                ],
                rate, AdamBeta1, AdamBeta2, AdamEpsilon),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
        };
    }

    /// <summary>
    /// Weights of convolutions, linear layers and the head have two or more dimensions; BatchNorm weights and biases
    /// and convolution biases have one. The shape is the rule, so any backbone made of those layers is split right.
    /// </summary>
    public static (List<Parameter> Decayed, List<Parameter> Undecayed) SplitByWeightDecay(IEnumerable<Parameter> parameters)
    {
        var decayed = new List<Parameter>();
        var undecayed = new List<Parameter>();
        foreach (Parameter parameter in parameters)
        {
            (parameter.dim() >= 2 ? decayed : undecayed).Add(parameter);
        }
        return (decayed, undecayed);
    }

    /// <summary>Sets every group's rate (the schedule moves all groups together).</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double rate)
    {
        foreach (optim.ILearningRateController group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }
    }

    // PyTorch's AdamW defaults.
    private const double AdamBeta1 = 0.9;
    private const double AdamBeta2 = 0.999;
    private const double AdamEpsilon = 1e-8;
}
