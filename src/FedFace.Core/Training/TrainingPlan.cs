using System.Text.Json.Serialization;

namespace FedFace.Core.Training;

/// <summary>
/// What a site does in one round of local training (or what one centralised run does): <see cref="LocalEpochs"/> passes
/// over its faces, or fewer when <see cref="MaxSteps"/> (0 = no cap) is reached or early stopping ends it. The one
/// shape of the plan: the aggregator's settings (section Aggregator:Training) bind to it, the round task carries it to
/// the sites (FedFace.Protocol's TrainingPlanWire is the one mapping), and the site's trainer takes it. Defaults in the
/// spirit of arcface_torch's SGD set-up, for a short federated round.
/// </summary>
public sealed record TrainingPlan
{
    public static TrainingPlan Default { get; } = new();

    /// <summary>Passes over the site's faces per round.</summary>
    public int LocalEpochs { get; init; } = 1;
    /// <summary>Faces per optimiser step (at least 2: BatchNorm needs two).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Upper bound on optimiser steps in a round; 0 = none beyond <see cref="LocalEpochs"/>.</summary>
    public int MaxSteps { get; init; }
    /// <summary>
    /// Fixes the shuffle, the flips, the augmentation and the validation split. The aggregator replaces it with a seed of
    /// its own each round (from its SamplingSeed), and a site mixes in its own seed.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>Sgd (with <see cref="Momentum"/>) or AdamW.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>
    /// The peak rate: reached at the end of the warm-up, where the cosine decay starts. 0.1 suits training from a
    /// random start; fine-tuning a pretrained backbone rather takes 1e-3 or less down to a floor of 1e-6.
    /// </summary>
    public float LearningRate { get; init; } = 0.1f;
    /// <summary>Where the cosine decay ends, at a round's last planned step; equal to <see cref="LearningRate"/> for a constant rate.</summary>
    public float LearningRateFloor { get; init; } = 1e-6f;
    /// <summary>Steps of linear ramp up to <see cref="LearningRate"/> at the start of each round's local training (0 = none).</summary>
    public int WarmupSteps { get; init; }
    /// <summary>
    /// One cosine decay over the whole federation instead of one per round: the round that trains model v runs its local
    /// schedule from rate(v) down to rate(v + 1), rate(x) = floor + (peak − floor)·½(1 + cos(π·x/TotalRounds)), with the
    /// warm-up in the first round only. The aggregator resolves it into each round's rates; a site never sees it.
    /// </summary>
    public bool DecayAcrossRounds { get; init; }
    /// <summary>SGD's momentum (ignored by AdamW).</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Applied to convolution, linear and head weights only; never to BatchNorm weights or any bias.</summary>
    public float WeightDecay { get; init; } = 5e-4f;

    /// <summary>ArcFace (uses <see cref="ArcFaceMargin"/>) or CosFace (uses <see cref="CosFaceMargin"/>); <see cref="ArcFaceScale"/> is s for both.</summary>
    public MarginKind MarginKind { get; init; } = MarginKind.ArcFace;
    /// <summary>The logit scale s, for either margin kind.</summary>
    public float ArcFaceScale { get; init; } = 64f;
    /// <summary>ArcFace's angular margin m in radians.</summary>
    public float ArcFaceMargin { get; init; } = 0.5f;
    /// <summary>CosFace's cosine margin m (0 = a plain normalised softmax).</summary>
    public float CosFaceMargin { get; init; } = 0.35f;
    /// <summary>
    /// Label smoothing ε of the margin loss's targets (0 = off): the true class gets 1 − ε + ε/K, every other ε/K. Keeps
    /// a site's few classes from driving their logits apart without bound, which over-fits a small site's faces.
    /// </summary>
    public float LabelSmoothing { get; init; }
    /// <summary>
    /// Before training, set every person's class centre to their mean normalised embedding under the backbone just
    /// loaded: a head that fits the new global model from the first step. Computed from the site's own faces, so it
    /// stays at the site like the head itself.
    /// </summary>
    public bool InitializeHeadFromMeans { get; init; } = true;
    /// <summary>
    /// The class centres do not train: only the backbone learns, towards centres fixed at the site (random from its
    /// seed, or the means of <see cref="InitializeHeadFromMeans"/>), as in FedBABU (Oh et al. 2022) and fixed-classifier
    /// training (Hoffer et al. 2018): a trained head is fitted to last round's backbone, a fixed one never goes stale.
    /// </summary>
    public bool FreezeHead { get; init; }

    /// <summary>
    /// Leading backbone stages kept fixed (for small sites): 1 = conv1, 2 = conv1 and dw_conv, 3 = also features.0, and
    /// so on. Their parameters get no gradient and their BatchNorms run in eval mode, so their statistics stay too.
    /// </summary>
    public int FrozenStages { get; init; }
    /// <summary>Share of each person's images a site holds out to measure a validation loss after every epoch (0 = none).</summary>
    public float ValidationFraction { get; init; }
    /// <summary>
    /// With a validation split: stop after this many epochs without a lower validation loss (0 = never stop early).
    /// Training then ends with the weights of the best epoch.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }
    /// <summary>
    /// Before each step the backbone's gradient is scaled down to this L2 norm when it is longer (0 = never), as
    /// arcface_torch clips it (at 5): it bounds how far one batch can throw a small site's weights. The head is not
    /// clipped; it never leaves the site.
    /// </summary>
    public float GradientClipNorm { get; init; }
    /// <summary>FedProx μ: adds μ/2·Σ‖w − w_global‖² over the trainable shared backbone parameters to the loss (0 = off).</summary>
    public float FedProxMu { get; init; }
    /// <summary>
    /// FedBN: BatchNorm weights, biases and running statistics stay the site's own and their delta is sent as zero. The
    /// wire still carries every tensor, so the global BatchNorm stays untouched only when every site does this, as one
    /// plan for all of them ensures.
    /// </summary>
    public bool KeepBatchNormLocal { get; init; }
    /// <summary>
    /// Mask augmentation: each training face is replaced by the site's synthetically masked rendering of it with this
    /// probability (0 = never). Ignored by a site without masked renderings.
    /// </summary>
    public float MaskedFaceProbability { get; init; }
    /// <summary>
    /// Every BatchNorm of the backbone runs in eval mode while training: it normalises with the running statistics of the
    /// model it was given and keeps them; its scale and shift still train. Needed to fine-tune a BatchNorm-folded
    /// pretrained model (an ONNX import), whose running statistics are the identity while its batch statistics are not.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; init; }
    /// <summary>
    /// Embedding distillation from the model the site was given (0 = off): adds λ·mean(1 − cos(f(x̃), f₀(x))) to the
    /// loss, x̃ the face as trained on (flipped, possibly masked), x the same face unmasked and flipped alike, f₀ a frozen
    /// copy of the round's global backbone: masked faces learn to land where bare faces were, and bare faces stay there.
    /// </summary>
    public float DistillationWeight { get; init; }
    /// <summary>
    /// Which BatchNorm running statistics sites report. Auto: those of the received model when the server optimiser asks
    /// for them (it steps away from the average), else trained. Ignored (never reported) under FedBN or frozen statistics.
    /// </summary>
    public BatchNormStatisticsSource BatchNormStatistics { get; init; } = BatchNormStatisticsSource.Auto;

    /// <summary>Per-face jitter bounds on top of the flip (all zero = none): shift and zoom as shares of the side.</summary>
    public float AugmentMaxShift { get; init; }
    /// <summary>Per-face zoom jitter bound, as a share of the side (0 = none).</summary>
    public float AugmentMaxScale { get; init; }
    /// <summary>Per-face rotation jitter bound in degrees (0 = none).</summary>
    public float AugmentMaxRotationDegrees { get; init; }
    /// <summary>Contrast factor in [1 − j, 1 + j] and brightness offset in [−j, j], in normalised pixel units.</summary>
    public float AugmentColorJitter { get; init; }

    /// <summary>The margin m of the chosen <see cref="MarginKind"/>.</summary>
    [JsonIgnore] // derived, not a setting: kept out of the reports that record the plan
    public float Margin => MarginKind == MarginKind.CosFace ? CosFaceMargin : ArcFaceMargin;

    /// <summary>
    /// The site measures the received model's BatchNorm statistics before training and reports those: asked for by
    /// <see cref="BatchNormStatisticsSource.Received"/>, and meaningless when the statistics stay the site's own or global.
    /// </summary>
    [JsonIgnore]
    public bool ReportsReceivedModelStatistics =>
        BatchNormStatistics == BatchNormStatisticsSource.Received && !KeepBatchNormLocal && !FreezeBatchNormStatistics;

    /// <summary>Every problem with the plan, as sentences naming each setting under <paramref name="section"/> ("Aggregator:Training").</summary>
    public IEnumerable<string> Problems(string section) =>
        Violations().Select(v => $"{section}:{v.Name} {v.Rule}, got {v.Value}");

    /// <summary>Throws for a plan that cannot be trained with, naming every setting that is wrong.</summary>
    public void Validate()
    {
        var violations = Violations().ToList();
        if (violations.Count > 0)
        {
            throw new ArgumentOutOfRangeException(violations[0].Name, violations[0].Value,
                string.Join("; ", violations.Select(v => $"{v.Name} {v.Rule}, got {v.Value}")));
        }
    }

    private IEnumerable<(string Name, object Value, string Rule)> Violations()
    {
        if (LocalEpochs < 1) yield return (nameof(LocalEpochs), LocalEpochs, "must be at least 1");
        if (BatchSize < 2) yield return (nameof(BatchSize), BatchSize, "must be at least 2 (BatchNorm needs two images)");
        if (MaxSteps < 0) yield return (nameof(MaxSteps), MaxSteps, "must be zero (no cap) or positive");
        if (!Enum.IsDefined(Optimizer)) yield return (nameof(Optimizer), Optimizer, "must be Sgd or AdamW");
        if (!(LearningRate > 0 && float.IsFinite(LearningRate))) yield return (nameof(LearningRate), LearningRate, "must be a positive number");
        if (!(LearningRateFloor >= 0 && LearningRateFloor <= LearningRate)) yield return (nameof(LearningRateFloor), LearningRateFloor, $"must be in [0, LearningRate = {LearningRate}]");
        if (WarmupSteps < 0) yield return (nameof(WarmupSteps), WarmupSteps, "must be zero or positive");
        if (!(Momentum is >= 0 and < 1)) yield return (nameof(Momentum), Momentum, "must be in [0, 1)");
        if (!(WeightDecay >= 0 && float.IsFinite(WeightDecay))) yield return (nameof(WeightDecay), WeightDecay, "must be zero or positive");
        if (!Enum.IsDefined(MarginKind)) yield return (nameof(MarginKind), MarginKind, "must be ArcFace or CosFace");
        if (!(ArcFaceScale > 0 && float.IsFinite(ArcFaceScale))) yield return (nameof(ArcFaceScale), ArcFaceScale, "must be a positive number");
        // Past π/2 (ArcFace) or 1 (CosFace) even a perfect embedding's logit falls below every other class's.
        if (!(ArcFaceMargin >= 0 && ArcFaceMargin < MathF.PI / 2)) yield return (nameof(ArcFaceMargin), ArcFaceMargin, "must be in [0, π/2)");
        if (!(CosFaceMargin is >= 0 and < 1)) yield return (nameof(CosFaceMargin), CosFaceMargin, "must be in [0, 1)");
        if (!(LabelSmoothing is >= 0 and < 1)) yield return (nameof(LabelSmoothing), LabelSmoothing, "must be in [0, 1)");
        if (FrozenStages < 0) yield return (nameof(FrozenStages), FrozenStages, "must be zero or positive");
        if (!(ValidationFraction is >= 0 and < 1)) yield return (nameof(ValidationFraction), ValidationFraction, "must be in [0, 1)");
        if (EarlyStoppingPatience < 0) yield return (nameof(EarlyStoppingPatience), EarlyStoppingPatience, "must be zero (off) or positive");
        if (!(GradientClipNorm >= 0 && float.IsFinite(GradientClipNorm))) yield return (nameof(GradientClipNorm), GradientClipNorm, "must be zero or positive");
        if (!(FedProxMu >= 0 && float.IsFinite(FedProxMu))) yield return (nameof(FedProxMu), FedProxMu, "must be zero or positive");
        if (!(MaskedFaceProbability is >= 0 and <= 1)) yield return (nameof(MaskedFaceProbability), MaskedFaceProbability, "must be in [0, 1]");
        if (!(DistillationWeight >= 0 && float.IsFinite(DistillationWeight))) yield return (nameof(DistillationWeight), DistillationWeight, "must be zero or positive");
        if (!Enum.IsDefined(BatchNormStatistics)) yield return (nameof(BatchNormStatistics), BatchNormStatistics, "must be Auto, Trained or Received");
        foreach ((string name, float value, string rule) in AugmentationBounds.Violations(AugmentMaxShift, AugmentMaxScale, AugmentMaxRotationDegrees, AugmentColorJitter))
        {
            yield return ("Augment" + name, value, rule);
        }
    }
}
