using FedFace.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace FedFace.Learning.Heads;

/// <summary>
/// The site's margin classifier over its own identities (called the ArcFace head throughout the project): logits are
/// s·cos θ for the other classes and a penalised s·ψ(θ) for the true class, θ being the angle between the normalised
/// embedding and the normalised class centre. ψ is cos(θ + m) for <see cref="MarginKind.ArcFace"/> and cos θ − m for
/// <see cref="MarginKind.CosFace"/>. It holds one centre per person of a site, so it stays on the site and is never
/// part of the shared state.
/// </summary>
public sealed class ArcFaceHead : Module<Tensor, Tensor, Tensor>
{
    public const double DefaultScale = 64.0;
    public const double DefaultArcFaceMargin = 0.5;
    public const double DefaultCosFaceMargin = 0.35;

    [ComponentName(Name = "weight")] private readonly Parameter _weight;

    /// <summary>A head for <paramref name="classCount"/> identities, weights Xavier-uniform from <paramref name="seed"/>.</summary>
    public ArcFaceHead(int classCount, long seed, int embeddingSize = 128,
        double scale = DefaultScale, double margin = DefaultArcFaceMargin, MarginKind kind = MarginKind.ArcFace) : base(nameof(ArcFaceHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        ClassCount = classCount;
        SetMargin(kind, scale, margin);
        using var generator = new Generator(unchecked((ulong)seed));
        double bound = Math.Sqrt(6.0 / (classCount + embeddingSize));
        _weight = new Parameter(empty(classCount, embeddingSize).uniform_(-bound, bound, generator));
        RegisterComponents();
    }

    public int ClassCount { get; }

    /// <summary>The class centres [classes, embedding size], one row per identity.</summary>
    internal Parameter Weight => _weight;

    public MarginKind Kind { get; private set; }

    /// <summary>The scale s applied to every logit.</summary>
    public double Scale { get; private set; }

    /// <summary>The margin m: radians added to the true class's angle (ArcFace) or subtracted from its cosine (CosFace).</summary>
    public double Margin { get; private set; }

    /// <summary>The margin a kind uses unless told otherwise: 0.5 rad for ArcFace, 0.35 for CosFace.</summary>
    public static double DefaultMarginFor(MarginKind kind) => kind == MarginKind.CosFace ? DefaultCosFaceMargin : DefaultArcFaceMargin;

    /// <summary>Changes the margin (the head's weights persist between rounds; each round may bring its own options).</summary>
    public void SetMargin(MarginKind kind, double scale, double margin)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the logit scale s must be a positive number");
        }
        // ArcFace past π/2 would move even a perfect embedding's logit below every other class's; CosFace past 1 likewise.
        double limit = kind switch
        {
            MarginKind.ArcFace => Math.PI / 2,
            MarginKind.CosFace => 1.0,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown margin kind"),
        };
        if (!(margin >= 0 && margin < limit))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, $"the {kind} margin must be in [0, {limit:0.####})");
        }
        Kind = kind;
        Scale = scale;
        Margin = margin;
    }

    /// <summary>(embeddings [B, E], labels [B] int64) → logits [B, classes]; feed them to cross-entropy.</summary>
    public override Tensor forward(Tensor embeddings, Tensor labels)
    {
        Tensor cosine = F.linear(F.normalize(embeddings, dim: 1), F.normalize(_weight, dim: 1)).clamp(-1.0, 1.0);
        Tensor target = labels.view(-1, 1);
        Tensor targetCosine = cosine.gather(1, target);
        Tensor penalised = Kind == MarginKind.CosFace ? targetCosine - Margin : ArcFaceTarget(targetCosine);
        return cosine.scatter(1, target, penalised) * Scale;
    }

    /// <summary>The class each embedding [B, E] lies nearest (largest cosine, no margin): the head's guess, [B] int64.</summary>
    public Tensor Predict(Tensor embeddings) => F.linear(F.normalize(embeddings, dim: 1), F.normalize(_weight, dim: 1)).argmax(1);

    /// <summary>Mean cross-entropy of the margin logits: the training loss, its targets smoothed by <paramref name="labelSmoothing"/> (ε).</summary>
    public Tensor Loss(Tensor embeddings, Tensor labels, double labelSmoothing = 0) =>
        F.cross_entropy(call(embeddings, labels), labels, label_smoothing: labelSmoothing);

    /// <summary>
    /// Sets each class's centre to the mean of its L2-normalised <paramref name="embeddings"/> [N, E] (labels [N] int64),
    /// normalised again: a head that already points at every person under the current backbone. Classes without an
    /// embedding keep their centre.
    /// </summary>
    public void InitializeFromMeanEmbeddings(Tensor embeddings, Tensor labels)
    {
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor sums = zeros_like(_weight).index_add_(0, labels, F.normalize(embeddings, dim: 1), alpha: 1);
        Tensor counts = zeros(ClassCount, dtype: ScalarType.Int64).index_add_(0, labels, ones_like(labels), alpha: 1);
        Tensor present = (counts > 0).unsqueeze(1);
        _weight.copy_(torch.where(present, F.normalize(sums, dim: 1), _weight));
    }

    /// <summary>cos(θ + m) = cos θ cos m − sin θ sin m, as insightface's arcface_torch computes it (easy margin off).</summary>
    private Tensor ArcFaceTarget(Tensor targetCosine)
    {
        // The floor under 1 − cos² keeps sqrt's gradient finite at θ = 0.
        Tensor sine = (1.0 - targetCosine.square()).clamp_min(1e-12).sqrt();
        Tensor phi = targetCosine * Math.Cos(Margin) - sine * Math.Sin(Margin);
        // Past θ = π − m, cos(θ + m) would rise again and reward a worse angle; arcface_torch continues with the
        // linear penalty cos θ − m·sin(π − m) there instead.
        double threshold = Math.Cos(Math.PI - Margin);
        return torch.where(targetCosine > threshold, phi, targetCosine - Math.Sin(Math.PI - Margin) * Margin);
    }
}
