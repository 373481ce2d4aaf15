using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// Convolution → BatchNorm → ReLU6 (torchvision's ConvBNReLU). In PyTorch it is an nn.Sequential, so its
/// children are named "0", "1", "2"; the component names keep that, e.g. <c>conv1.0.weight</c>, <c>conv1.1.running_mean</c>.
/// </summary>
internal sealed class ConvBnReLU6 : Module<Tensor, Tensor>
{
    [ComponentName(Name = "0")] private readonly Conv2d _conv;
    [ComponentName(Name = "1")] private readonly BatchNorm2d _bn;
    [ComponentName(Name = "2")] private readonly ReLU6 _relu6;

    public ConvBnReLU6(long inChannels, long outChannels, long kernelSize = 3, long stride = 1, long groups = 1)
        : base(nameof(ConvBnReLU6))
    {
        // "same" padding for odd kernels; no bias: the BatchNorm that follows has its own.
        _conv = Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: groups, bias: false);
        _bn = BatchNorm2d(outChannels);
        _relu6 = ReLU6();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => LayerChain.Apply(x, _conv, _bn, _relu6);
}
