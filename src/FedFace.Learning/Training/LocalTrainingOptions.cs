using FedFace.Learning.Heads;

namespace FedFace.Learning.Training;

/// <summary>Which optimiser updates the weights.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum; weight decay as an L2 term on the gradient.</summary>
    Sgd,

    /// <summary>AdamW (β = 0.9, 0.999), decoupled weight decay; <see cref="LocalTrainingOptions.Momentum"/> is unused.</summary>
    AdamW,
}

/// <summary>
/// One round of local training (or one centralised run): <see cref="Epochs"/> passes over the faces, or fewer when
/// <see cref="MaxSteps"/> (0 = no cap) is reached or early stopping ends it. <see cref="Seed"/> fixes the shuffle, the
/// flips and the validation split.
/// </summary>
public sealed record LocalTrainingOptions
{
    /// <summary>Defaults in the spirit of arcface_torch's SGD set-up, for a short federated round.</summary>
    public static LocalTrainingOptions Default { get; } = new();

    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 32;
    /// <summary>Upper bound on optimiser steps; 0 = none beyond <see cref="Epochs"/>.</summary>
    public int MaxSteps { get; init; }
    public ulong Seed { get; init; }

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>
    /// The peak rate: reached at the end of the warm-up, where the cosine decay starts. 0.1 suits training from a
    /// random start; fine-tuning a pretrained backbone rather takes 1e-3 down to a floor of 1e-6.
    /// </summary>
    public float LearningRate { get; init; } = 0.1f;
    /// <summary>Where the cosine decay ends, at the last planned step; equal to <see cref="LearningRate"/> for a constant rate.</summary>
    public float LearningRateFloor { get; init; } = 1e-6f;
    /// <summary>Steps of linear ramp up to <see cref="LearningRate"/> at the start of every run (0 = none).</summary>
    public int WarmupSteps { get; init; }
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Applied to convolution, linear and head weights only; never to BatchNorm weights or any bias.</summary>
    public float WeightDecay { get; init; } = 5e-4f;

    public MarginKind MarginKind { get; init; } = MarginKind.ArcFace;
    /// <summary>The logit scale s, for either margin kind.</summary>
    public float LogitScale { get; init; } = (float)ArcFaceHead.DefaultScale;
    /// <summary>ArcFace's angular margin m in radians (used when <see cref="MarginKind"/> is ArcFace).</summary>
    public float ArcFaceMargin { get; init; } = (float)ArcFaceHead.DefaultArcFaceMargin;
    /// <summary>CosFace's cosine margin m (used when <see cref="MarginKind"/> is CosFace).</summary>
    public float CosFaceMargin { get; init; } = (float)ArcFaceHead.DefaultCosFaceMargin;
    /// <summary>
    /// Before training, set every person's class centre to their mean normalised embedding under the backbone just
    /// loaded: a head that fits the new global model from the first step. Computed from the site's own faces, so it
    /// stays at the site like the head itself.
    /// </summary>
    public bool InitializeHeadFromMeans { get; init; } = true;
    /// <summary>
    /// The class centres do not train: only the backbone learns, towards centres fixed at the site (random from its
    /// seed, or the means of <see cref="InitializeHeadFromMeans"/>), as in FedBABU (Oh et al. 2022) and fixed-classifier
    /// training (Hoffer et al. 2018). A trained head is fitted to the backbone the site had last round, and each new
    /// global model makes it stale; a fixed one never is. Random centres of different sites are also nearly orthogonal,
    /// which might keep the sites' people apart from each other's. Measured on E2 (one run each) it did not help.
    /// </summary>
    public bool FreezeHead { get; init; }

    /// <summary>
    /// Leading backbone stages kept fixed (for small sites): 1 = conv1, 2 = conv1 and dw_conv, 3 = also features.0, and
    /// so on. Their parameters get no gradient and their BatchNorms run in eval mode, so their statistics stay too.
    /// </summary>
    public int FrozenStages { get; init; }
    /// <summary>Share of each person's images held out to measure a validation loss after every epoch (0 = none).</summary>
    public float ValidationFraction { get; init; }
    /// <summary>
    /// With a validation split: stop after this many epochs without a lower validation loss (0 = never stop early).
    /// Training then ends with the weights of the best epoch.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>
    /// Before each step the backbone's gradient is scaled down to this L2 norm when it is longer (0 = never), as
    /// arcface_torch clips it (at 5). It bounds how far one batch can throw the weights, as a 2-3 face last batch did
    /// before <see cref="BatchSampler"/> balanced the batches. The head is not clipped; it never leaves the site.
    /// </summary>
    public float GradientClipNorm { get; init; }

    /// <summary>FedProx μ: adds μ/2·Σ‖w − w_global‖² over the trainable shared backbone parameters to the loss (0 = off).</summary>
    public float FedProxMu { get; init; }
    /// <summary>
    /// FedBN: BatchNorm weights, biases and running statistics stay the site's own. The global model does not overwrite
    /// them (after the first round) and their delta is sent as zero; see <see cref="SiteModel.LoadGlobal"/>.
    /// </summary>
    public bool KeepBatchNormLocal { get; init; }
    /// <summary>
    /// Mask augmentation: each face of a batch is taken from <see cref="FaceTrainingSet.MaskedPixels"/> instead of
    /// <see cref="FaceTrainingSet.Pixels"/> with this probability (0 = never). Ignored by a set without masked renderings.
    /// </summary>
    public float MaskedFaceProbability { get; init; }
    /// <summary>Random shift, zoom, rotation and contrast of every training face (none by default); see <see cref="FaceAugmentation"/>.</summary>
    public FaceAugmentation Augmentation { get; init; } = FaceAugmentation.None;
    /// <summary>
    /// Every BatchNorm of the backbone runs in eval mode while training: it normalises with the running statistics of the
    /// model it was given and keeps them; its scale and shift still train. Needed to fine-tune a BatchNorm-folded
    /// pretrained model (an ONNX import), whose running statistics are the identity while its batch statistics are
    /// not: in training mode one step would normalise with the wrong statistics and drag the running ones away.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; init; }

    /// <summary>
    /// Embedding distillation from the model the site was given (0 = off): adds λ·mean(1 − cos(f(x̃), f₀(x))) to the
    /// loss, where x̃ is the face as trained on (flipped, possibly masked), x the same face unmasked and flipped alike,
    /// and f₀ a frozen copy of the backbone as it was when training started (the round's global model). It teaches
    /// masked faces to land where the given model puts the unmasked face, and keeps unmasked faces where they were:
    /// learning without forgetting, for fine-tuning a pretrained model to masks without losing it on bare faces.
    /// </summary>
    public float DistillationWeight { get; init; }

    /// <summary>
    /// The BatchNorm running statistics the site reports are those of the model it received, measured over all its faces
    /// before training, instead of those its training left behind. A server optimiser (FedAdam, FedAvgM) does not move
    /// the global weights to the sites' average, so an average of statistics of trained weights would describe weights
    /// the next model does not have; statistics of the received model stay close to it.
    /// </summary>
    public bool ReportReceivedModelStatistics { get; init; }

    /// <summary>The margin m of the chosen <see cref="MarginKind"/>.</summary>
    public float Margin => MarginKind == MarginKind.CosFace ? CosFaceMargin : ArcFaceMargin;

    public void Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(BatchSize >= 2, nameof(BatchSize), BatchSize, "must be at least 2 (BatchNorm needs two images)");
        Require(MaxSteps >= 0, nameof(MaxSteps), MaxSteps, "must be zero (no cap) or positive");
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "must be Sgd or AdamW");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "must be a positive number");
        Require(LearningRateFloor >= 0 && LearningRateFloor <= LearningRate, nameof(LearningRateFloor), LearningRateFloor,
            $"must be in [0, LearningRate = {LearningRate}]");
        Require(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "must be zero or positive");
        Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "must be in [0, 1)");
        Require(WeightDecay >= 0 && float.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be zero or positive");
        Require(Enum.IsDefined(MarginKind), nameof(MarginKind), MarginKind, "must be ArcFace or CosFace");
        Require(FrozenStages >= 0, nameof(FrozenStages), FrozenStages, "must be zero or positive");
        Require(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "must be in [0, 1)");
        Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "must be zero (off) or positive");
        Require(GradientClipNorm >= 0 && float.IsFinite(GradientClipNorm), nameof(GradientClipNorm), GradientClipNorm, "must be zero (off) or positive");
        Require(FedProxMu >= 0 && float.IsFinite(FedProxMu), nameof(FedProxMu), FedProxMu, "must be zero (off) or positive");
        Require(MaskedFaceProbability is >= 0 and <= 1, nameof(MaskedFaceProbability), MaskedFaceProbability, "must be in [0, 1]");
        Require(DistillationWeight >= 0 && float.IsFinite(DistillationWeight), nameof(DistillationWeight), DistillationWeight, "must be zero (off) or positive");
        ArgumentNullException.ThrowIfNull(Augmentation);
        Augmentation.Validate();
        if (ReportReceivedModelStatistics && (KeepBatchNormLocal || FreezeBatchNormStatistics))
        {
            throw new ArgumentException(
                $"{nameof(ReportReceivedModelStatistics)} cannot go with {(KeepBatchNormLocal ? nameof(KeepBatchNormLocal) : nameof(FreezeBatchNormStatistics))}: " +
                "that BatchNorm's statistics are not reported (FedBN) or must stay the global ones (frozen)", nameof(ReportReceivedModelStatistics));
        }
        // The head checks the scale and the margin; the backbone knows how many stages it has.
    }

    private static void Require(bool condition, string name, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}, got {value}");
        }
    }
}
