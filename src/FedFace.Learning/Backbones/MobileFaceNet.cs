using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// MobileFaceNet (Chen et al. 2018) in the ReLU6 variant of foamliu/MobileFaceNet, laid out and named like that
/// network's PyTorch modules so that the weights of <c>mobilefacenet_foamliu.onnx</c> map one-to-one:
/// 3x112x112 face → 128-d embedding.
/// </summary>
public sealed class MobileFaceNet : FaceBackbone
{

    /// <summary>Bottleneck stages: expansion t, output channels c, repeats n, first stride s.</summary>
    private static readonly (int T, int C, int N, int S)[] s_bottlenecks =
    [
        (2, 64, 5, 2),
        (4, 128, 1, 2),
        (2, 128, 6, 1),
        (4, 128, 1, 2),
        (2, 128, 2, 1),
    ];

    // Declared in forward order (the order of the ONNX graph), which is also the state order.
    [ComponentName(Name = "conv1")] private readonly ConvBnReLU6 _conv1;               // 3→64, 3x3 s2: 112→56
    [ComponentName(Name = "dw_conv")] private readonly DepthwiseSeparableConv _dwConv; // 64→64, ReLU
    [ComponentName(Name = "features")] private readonly Sequential _features;          // 15 bottlenecks: 56→7
    [ComponentName(Name = "conv2")] private readonly ConvBnReLU6 _conv2;               // 1x1 128→512
    [ComponentName(Name = "gdconv")] private readonly GDConv _gdconv;                  // 7x7 depthwise: 7→1
    [ComponentName(Name = "conv3")] private readonly Conv2d _conv3;                    // 1x1 linear 512→128
    [ComponentName(Name = "bn")] private readonly BatchNorm2d _bn;

    /// <summary>A network initialised as foamliu's (Kaiming-normal fan-out convolutions, BN γ=1 β=0) from <paramref name="seed"/>.</summary>
    public MobileFaceNet(long seed = 0) : base(nameof(MobileFaceNet))
    {
        _conv1 = new ConvBnReLU6(3, 64, kernelSize: 3, stride: 2);
        _dwConv = new DepthwiseSeparableConv(64, 64);
        _features = Sequential(BuildBottlenecks(inChannels: 64, out long channels));
        _conv2 = new ConvBnReLU6(channels, 512, kernelSize: 1);
        _gdconv = new GDConv(512, kernelSize: 7);
        _conv3 = Conv2d(512, BackboneArchitecture.MobileFaceNet.EmbeddingSize, 1, bias: true); // foamliu keeps this bias although a BN follows
        _bn = BatchNorm2d(BackboneArchitecture.MobileFaceNet.EmbeddingSize);
        RegisterComponents();
        InitializeParameters(seed, KaimingFanOut);
    }

    public override BackboneArchitecture Architecture => BackboneArchitecture.MobileFaceNet;

    public override Tensor forward(Tensor faces)
    {
        using Tensor input = ArrangeForConvolutions(faces);
        using Tensor embeddings = LayerChain.Apply(input, _conv1, _dwConv, _features, _conv2, _gdconv, _conv3, _bn);
        return embeddings.flatten(1);
    }

    internal override IEnumerable<InferenceStep> InferenceSteps()
    {
        yield return new ConvolutionStep("conv1.0", "conv1.1", Stride: 2, Padding: 1, Groups: 1, Activation.ReLU6);
        yield return new ConvolutionStep("dw_conv.depthwise", "dw_conv.bn1", Stride: 1, Padding: 1, Groups: 64, Activation.ReLU);
        yield return new ConvolutionStep("dw_conv.pointwise", "dw_conv.bn2", Stride: 1, Padding: 0, Groups: 1, Activation.ReLU);
        foreach ((string name, Module block) in _features.named_children())
        {
            foreach (InferenceStep step in ((InvertedResidual)block).InferenceSteps($"features.{name}"))
            {
                yield return step;
            }
        }
        yield return new ConvolutionStep("conv2.0", "conv2.1", Stride: 1, Padding: 0, Groups: 1, Activation.ReLU6);
        yield return new ConvolutionStep("gdconv.depthwise", "gdconv.bn", Stride: 1, Padding: 0, Groups: 512, Activation.None);
        yield return new ConvolutionStep("conv3", "bn", Stride: 1, Padding: 0, Groups: 1, Activation.None);
        yield return new FlattenStep();
    }

    private static (string, Module<Tensor, Tensor>)[] BuildBottlenecks(long inChannels, out long outChannels)
    {
        var blocks = new List<(string, Module<Tensor, Tensor>)>();
        foreach ((int t, int c, int n, int s) in s_bottlenecks)
        {
            for (int i = 0; i < n; i++)
            {
                blocks.Add((blocks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    new InvertedResidual(inChannels, c, stride: i == 0 ? s : 1, expandRatio: t)));
                inChannels = c;
            }
        }
        outChannels = inChannels;
        return blocks.ToArray();
    }

    /// <summary>foamliu's convolutions: Kaiming normal, fan-out mode, ReLU gain, std = √(2 / (out_channels · k · k)); zero biases.</summary>
    private static void KaimingFanOut(Module module, Generator generator)
    {
        if (module is Conv2d conv)
        {
            (long _, long fanOut) = init.CalculateFanInAndFanOut(conv.weight!);
            conv.weight!.normal_(0.0, Math.Sqrt(2.0 / fanOut), generator);
            if (conv.bias is not null)
            {
                init.zeros_(conv.bias);
            }
        }
    }
}
