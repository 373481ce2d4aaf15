using FedFace.Core;

namespace FedFace.Learning.Backbones;

/// <summary>
/// The backbones a federation can train: the small MobileFaceNet (128-d, ~1M parameters, the default) or an IResNet
/// (insightface's ArcFace ResNets, 512-d) that trades speed for accuracy. A model state names its architecture by its
/// tensors, so a site builds the right network from the global model it downloads and the wire needs no extra field.
/// </summary>
public sealed class BackboneArchitecture
{
    public static readonly BackboneArchitecture MobileFaceNet = new("mobilefacenet", 128, null);
    public static readonly BackboneArchitecture IResNet18 = new("iresnet18", 512, [2, 2, 2, 2]);
    public static readonly BackboneArchitecture IResNet34 = new("iresnet34", 512, [3, 4, 6, 3]);
    public static readonly BackboneArchitecture IResNet50 = new("iresnet50", 512, [3, 4, 14, 3]);

    public static IReadOnlyList<BackboneArchitecture> All { get; } = [MobileFaceNet, IResNet18, IResNet34, IResNet50];

    private BackboneArchitecture(string name, int embeddingSize, int[]? blocksPerStage)
    {
        Name = name;
        EmbeddingSize = embeddingSize;
        BlocksPerStage = blocksPerStage;
    }

    public string Name { get; }

    public int EmbeddingSize { get; }

    /// <summary>IResNet only: basic blocks in each of its four stages.</summary>
    internal IReadOnlyList<int>? BlocksPerStage { get; }

    public FaceBackbone Create(long seed = 0) => BlocksPerStage is null
        ? new Backbones.MobileFaceNet(seed)
        : new IResNet(this, seed);

    public static BackboneArchitecture Parse(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown backbone '{name}'; expected one of {string.Join(", ", All.Select(a => a.Name))}", nameof(name));

    /// <summary>
    /// The architecture whose state <paramref name="state"/> is: MobileFaceNet has <c>conv1.0.weight</c>, an IResNet
    /// <c>layer1.0.conv1.weight</c>, and its depth shows in how many blocks each stage has. Shapes are checked later, on import.
    /// </summary>
    public static BackboneArchitecture Of(ModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.TryGet("conv1.0.weight", out _))
        {
            return MobileFaceNet;
        }
        if (state.TryGet("layer1.0.conv1.weight", out _))
        {
            int[] blocks = Enumerable.Range(1, 4)
                .Select(stage => Enumerable.Range(0, 64).TakeWhile(block => state.TryGet($"layer{stage}.{block}.conv1.weight", out _)).Count())
                .ToArray();
            return All.FirstOrDefault(a => a.BlocksPerStage is { } expected && expected.SequenceEqual(blocks))
                ?? throw new ArgumentException($"the model state is an IResNet with [{string.Join(", ", blocks)}] blocks per stage, which is none of {string.Join(", ", All.Where(a => a.BlocksPerStage is not null).Select(a => a.Name))}", nameof(state));
        }
        throw new ArgumentException("the model state is no known backbone: it has neither conv1.0.weight (MobileFaceNet) nor layer1.0.conv1.weight (IResNet)", nameof(state));
    }

    public override string ToString() => Name;
}
