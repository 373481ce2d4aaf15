using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// MobileFaceNet's second stage (foamliu's <c>dw_conv</c>): 3x3 depthwise → BN → ReLU → 1x1 pointwise → BN → ReLU.
/// Unlike every other activation in the network this one is a plain ReLU (the ONNX file has Relu here, Clip elsewhere),
/// and one ReLU module serves both places, as in the original.
/// </summary>
internal sealed class DepthwiseSeparableConv : Module<Tensor, Tensor>
{
    // Declared in foamliu's registration order, which is also the state order.
    [ComponentName(Name = "depthwise")] private readonly Conv2d _depthwise;
    [ComponentName(Name = "pointwise")] private readonly Conv2d _pointwise;
    [ComponentName(Name = "bn1")] private readonly BatchNorm2d _bn1;
    [ComponentName(Name = "bn2")] private readonly BatchNorm2d _bn2;
    [ComponentName(Name = "relu")] private readonly ReLU _relu;

    public DepthwiseSeparableConv(long inChannels, long outChannels) : base(nameof(DepthwiseSeparableConv))
    {
        _depthwise = Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels, bias: false);
        _pointwise = Conv2d(inChannels, outChannels, 1, bias: false);
        _bn1 = BatchNorm2d(inChannels);
        _bn2 = BatchNorm2d(outChannels);
        _relu = ReLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => LayerChain.Apply(x, _depthwise, _bn1, _relu, _pointwise, _bn2, _relu);
}
