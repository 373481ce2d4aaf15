using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// MobileNetV2 bottleneck: 1x1 expand (BN, ReLU6) → 3x3 depthwise (BN, ReLU6) → 1x1 linear projection (BN),
/// plus the input when the shape is unchanged. The layers sit in a Sequential named <c>conv</c>, as in PyTorch:
/// <c>conv.0</c> expand, <c>conv.1</c> depthwise, <c>conv.2</c> projection, <c>conv.3</c> its BatchNorm.
/// </summary>
internal sealed class InvertedResidual : Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv")] private readonly Sequential _conv;

    public InvertedResidual(long inChannels, long outChannels, long stride, long expandRatio) : base(nameof(InvertedResidual))
    {
        // Every MobileFaceNet bottleneck expands (t >= 2), so the expand layer is always there and the
        // Sequential indices match foamliu's (which drops the layer, and renumbers, only for t = 1).
        ArgumentOutOfRangeException.ThrowIfLessThan(expandRatio, 2);
        long hidden = inChannels * expandRatio;
        (Stride, HiddenChannels) = (stride, hidden);
        _conv = Sequential(
            ("0", new ConvBnReLU6(inChannels, hidden, kernelSize: 1)),
            ("1", new ConvBnReLU6(hidden, hidden, kernelSize: 3, stride: stride, groups: hidden)),
            ("2", Conv2d(hidden, outChannels, 1, bias: false)),
            ("3", BatchNorm2d(outChannels)));
        UsesResidual = stride == 1 && inChannels == outChannels;
        RegisterComponents();
    }

    /// <summary>True where the block adds its input (the ONNX graph has an Add node there).</summary>
    public bool UsesResidual { get; }

    public long Stride { get; }

    public long HiddenChannels { get; }

    /// <summary>The block's inference steps, named under <paramref name="path"/> (e.g. "features.3").</summary>
    public IEnumerable<InferenceStep> InferenceSteps(string path)
    {
        ConvolutionStep[] body =
        [
            new($"{path}.conv.0.0", $"{path}.conv.0.1", Stride: 1, Padding: 0, Groups: 1, Activation.ReLU6),
            new($"{path}.conv.1.0", $"{path}.conv.1.1", Stride, Padding: 1, Groups: HiddenChannels, Activation.ReLU6),
            new($"{path}.conv.2", $"{path}.conv.3", Stride: 1, Padding: 0, Groups: 1, Activation.None),
        ];
        return UsesResidual ? [new ResidualStep(path, body, [])] : body;
    }

    public override Tensor forward(Tensor x)
    {
        if (!UsesResidual)
        {
            return _conv.call(x);
        }
        using Tensor residual = _conv.call(x);
        return x + residual;
    }
}
