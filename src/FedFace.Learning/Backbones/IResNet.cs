using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedFace.Learning.Backbones;

/// <summary>
/// insightface's IResNet (Deng et al., ArcFace; <c>recognition/arcface_torch/backbones/iresnet.py</c>): a 3x3 stem at
/// full resolution, four stages of <see cref="IBasicBlock"/>s (64, 128, 256, 512 channels, each halving the side:
/// 112 → 7), then BN → flatten → fully connected 25,088 → 512 → BatchNorm1d whose scale stays 1. About 24M parameters
/// for IResNet-18 and 2.6 GFLOPs a face, against MobileFaceNet's 1M and 0.22: the accurate, slow choice.
/// </summary>
public sealed class IResNet : FaceBackbone
{
    private static readonly long[] s_stageChannels = [64, 128, 256, 512];
    private const int FinalSide = InputSize / 16;

    private readonly BackboneArchitecture _architecture;

    [ComponentName(Name = "conv1")] private readonly Conv2d _conv1;
    [ComponentName(Name = "bn1")] private readonly BatchNorm2d _bn1;
    [ComponentName(Name = "prelu")] private readonly PReLU _prelu;
    [ComponentName(Name = "layer1")] private readonly Sequential _layer1;
    [ComponentName(Name = "layer2")] private readonly Sequential _layer2;
    [ComponentName(Name = "layer3")] private readonly Sequential _layer3;
    [ComponentName(Name = "layer4")] private readonly Sequential _layer4;
    [ComponentName(Name = "bn2")] private readonly BatchNorm2d _bn2;
    [ComponentName(Name = "fc")] private readonly Linear _fc;
    [ComponentName(Name = "features")] private readonly BatchNorm1d _features;

    internal IResNet(BackboneArchitecture architecture, long seed) : base(nameof(IResNet))
    {
        IReadOnlyList<int> blocks = architecture.BlocksPerStage
            ?? throw new ArgumentException($"{architecture.Name} is not an IResNet", nameof(architecture));
        _architecture = architecture;
        _conv1 = Conv2d(3, 64, 3, padding: 1, bias: false);
        _bn1 = BatchNorm2d(64);
        _prelu = PReLU(64, init: 0.25);
        long channels = 64;
        Sequential Stage(int index)
        {
            var stage = new List<(string, Module<Tensor, Tensor>)>();
            for (int b = 0; b < blocks[index]; b++)
            {
                stage.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), new IBasicBlock(channels, s_stageChannels[index], stride: b == 0 ? 2 : 1)));
                channels = s_stageChannels[index];
            }
            return Sequential(stage);
        }
        _layer1 = Stage(0);
        _layer2 = Stage(1);
        _layer3 = Stage(2);
        _layer4 = Stage(3);
        _bn2 = BatchNorm2d(512);
        _fc = Linear(512 * FinalSide * FinalSide, architecture.EmbeddingSize);
        _features = BatchNorm1d(architecture.EmbeddingSize);
        RegisterComponents();
        InitializeParameters(seed, InsightfaceLayer);
        _features.weight!.requires_grad = false;
    }

    public override BackboneArchitecture Architecture => _architecture;

    /// <summary>insightface keeps the embedding BatchNorm's scale at 1: ArcFace normalises the embedding anyway.</summary>
    internal override IReadOnlySet<string> FixedParameters { get; } = new HashSet<string> { "features.weight" };

    public override Tensor forward(Tensor faces)
    {
        using Tensor input = ArrangeForConvolutions(faces);
        using Tensor maps = LayerChain.Apply(input, _conv1, _bn1, _prelu, _layer1, _layer2, _layer3, _layer4, _bn2);
        using Tensor flat = maps.flatten(1);
        return LayerChain.Apply(flat, _fc, _features);
    }

    internal override IEnumerable<InferenceStep> InferenceSteps()
    {
        yield return new ConvolutionStep("conv1", "bn1", Stride: 1, Padding: 1, Groups: 1, Activation.PReLU, PReLUSlopes: "prelu.weight");
        foreach ((string name, Sequential stage) in new[] { ("layer1", _layer1), ("layer2", _layer2), ("layer3", _layer3), ("layer4", _layer4) })
        {
            foreach ((string index, Module block) in stage.named_children())
            {
                yield return ((IBasicBlock)block).InferenceStep($"{name}.{index}");
            }
        }
        yield return new BatchNormStep("bn2");
        yield return new FlattenLinearStep("fc", "features");
    }

    /// <summary>
    /// As insightface initialises it: convolutions N(0, 0.1), PReLU slopes 0.25 (their constructor's), the embedding
    /// BatchNorm's scale 1 and never trained; the fully connected layer as PyTorch's default, U(±1/√fan_in).
    /// </summary>
    private static void InsightfaceLayer(Module module, Generator generator)
    {
        switch (module)
        {
            case Conv2d conv:
                conv.weight!.normal_(0.0, 0.1, generator);
                break;
            case Linear fc:
                double bound = 1.0 / Math.Sqrt(fc.in_features);
                fc.weight!.uniform_(-bound, bound, generator);
                fc.bias!.uniform_(-bound, bound, generator);
                break;
        }
    }
}
