using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace FedFace.Learning.Heads;

/// <summary>
/// ArcFace (additive angular margin) classifier: logits = s·cos θ for the other classes and s·cos(θ + m) for the
/// true class, where θ is the angle between the normalised embedding and the normalised class weight. This head
/// holds one weight row per identity of a site, so it stays on the site and is never part of the shared state.
/// </summary>
public sealed class ArcFaceHead : Module<Tensor, Tensor, Tensor>
{
    public const double DefaultScale = 64.0;
    public const double DefaultMargin = 0.5;

    [ComponentName(Name = "weight")] private readonly Parameter _weight;

    /// <summary>A head for <paramref name="classCount"/> identities, weights Xavier-uniform from <paramref name="seed"/>.</summary>
    public ArcFaceHead(int classCount, long seed, int embeddingSize = Backbones.MobileFaceNet.EmbeddingSize,
        double scale = DefaultScale, double margin = DefaultMargin) : base(nameof(ArcFaceHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        ClassCount = classCount;
        SetMargin(scale, margin);
        using var generator = new Generator(unchecked((ulong)seed));
        double bound = Math.Sqrt(6.0 / (classCount + embeddingSize));
        _weight = new Parameter(empty(classCount, embeddingSize).uniform_(-bound, bound, generator));
        RegisterComponents();
    }

    public int ClassCount { get; }

    /// <summary>The class centres [classes, embedding size], one row per identity.</summary>
    internal Parameter Weight => _weight;

    /// <summary>The scale s applied to every logit.</summary>
    public double Scale { get; private set; }

    /// <summary>The angular margin m (radians) added to the true class's angle.</summary>
    public double Margin { get; private set; }

    /// <summary>Changes s and m (the head's weights persist between rounds; each round may bring its own options).</summary>
    public void SetMargin(double scale, double margin)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the ArcFace scale must be a positive number");
        }
        if (!(margin >= 0 && margin < Math.PI / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "the ArcFace margin must be in [0, π/2) radians");
        }
        Scale = scale;
        Margin = margin;
    }

    /// <summary>(embeddings [B, E], labels [B] int64) → logits [B, classes]; feed them to cross-entropy.</summary>
    public override Tensor forward(Tensor embeddings, Tensor labels)
    {
        Tensor cosine = F.linear(F.normalize(embeddings, dim: 1), F.normalize(_weight, dim: 1)).clamp(-1.0, 1.0);
        Tensor target = labels.view(-1, 1);
        Tensor targetCosine = cosine.gather(1, target);
        // cos(θ + m) = cos θ cos m − sin θ sin m; the floor under 1 − cos² keeps sqrt's gradient finite at θ = 0.
        Tensor sine = (1.0 - targetCosine.square()).clamp_min(1e-12).sqrt();
        Tensor phi = targetCosine * Math.Cos(Margin) - sine * Math.Sin(Margin);
        // Past θ = π − m, cos(θ + m) would rise again and reward a worse angle; arcface_torch (easy margin off)
        // continues with the linear penalty cos θ − m·sin(π − m) there instead.
        double threshold = Math.Cos(Math.PI - Margin);
        Tensor penalised = torch.where(targetCosine > threshold, phi, targetCosine - Math.Sin(Math.PI - Margin) * Margin);
        return cosine.scatter(1, target, penalised) * Scale;
    }

    /// <summary>Mean cross-entropy of the ArcFace logits: the training loss.</summary>
    public Tensor Loss(Tensor embeddings, Tensor labels) => F.cross_entropy(call(embeddings, labels), labels);
}
