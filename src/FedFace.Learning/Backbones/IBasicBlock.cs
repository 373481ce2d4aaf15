using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// insightface's IResNet block: BN → 3x3 conv → BN → PReLU → 3x3 conv (the block's stride) → BN, plus the input, or
/// a 1x1 strided conv + BN of it (<c>downsample.0</c>, <c>downsample.1</c>) when the shape changes. Names as in
/// insightface's <c>iresnet.py</c>, so its checkpoints' tensor names map one-to-one.
/// </summary>
internal sealed class IBasicBlock : Module<Tensor, Tensor>
{
    [ComponentName(Name = "bn1")] private readonly BatchNorm2d _bn1;
    [ComponentName(Name = "conv1")] private readonly Conv2d _conv1;
    [ComponentName(Name = "bn2")] private readonly BatchNorm2d _bn2;
    [ComponentName(Name = "prelu")] private readonly PReLU _prelu;
    [ComponentName(Name = "conv2")] private readonly Conv2d _conv2;
    [ComponentName(Name = "bn3")] private readonly BatchNorm2d _bn3;
    [ComponentName(Name = "downsample")] private readonly Sequential? _downsample;
    private readonly long _stride;

    public IBasicBlock(long inChannels, long channels, long stride) : base(nameof(IBasicBlock))
    {
        _stride = stride;
        _bn1 = BatchNorm2d(inChannels);
        _conv1 = Conv2d(inChannels, channels, 3, padding: 1, bias: false);
        _bn2 = BatchNorm2d(channels);
        _prelu = PReLU(channels, init: 0.25);
        _conv2 = Conv2d(channels, channels, 3, stride: stride, padding: 1, bias: false);
        _bn3 = BatchNorm2d(channels);
        if (stride != 1 || inChannels != channels)
        {
            _downsample = Sequential(("0", Conv2d(inChannels, channels, 1, stride: stride, bias: false)), ("1", BatchNorm2d(channels)));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using Tensor body = LayerChain.Apply(x, _bn1, _conv1, _bn2, _prelu, _conv2, _bn3);
        if (_downsample is null)
        {
            return body + x;
        }
        using Tensor shortcut = _downsample.call(x);
        return body + shortcut;
    }

    public InferenceStep InferenceStep(string path) => new ResidualStep(path,
        [
            new BatchNormStep($"{path}.bn1"),
            new ConvolutionStep($"{path}.conv1", $"{path}.bn2", Stride: 1, Padding: 1, Groups: 1, Activation.PReLU, PReLUSlopes: $"{path}.prelu.weight"),
            new ConvolutionStep($"{path}.conv2", $"{path}.bn3", _stride, Padding: 1, Groups: 1, Activation.None),
        ],
        _downsample is null ? [] : [new ConvolutionStep($"{path}.downsample.0", $"{path}.downsample.1", _stride, Padding: 0, Groups: 1, Activation.None)]);
}
