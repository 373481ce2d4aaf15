using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// Global depthwise convolution: a linear (no activation) depthwise conv whose kernel covers the whole 7x7 map,
/// then BN. MobileFaceNet uses it instead of global average pooling so each position gets its own weight.
/// </summary>
internal sealed class GDConv : Module<Tensor, Tensor>
{
    [ComponentName(Name = "depthwise")] private readonly Conv2d _depthwise;
    [ComponentName(Name = "bn")] private readonly BatchNorm2d _bn;

    public GDConv(long channels, long kernelSize) : base(nameof(GDConv))
    {
        _depthwise = Conv2d(channels, channels, kernelSize, groups: channels, bias: false);
        _bn = BatchNorm2d(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => LayerChain.Apply(x, _depthwise, _bn);
}
