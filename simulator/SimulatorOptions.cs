using FedFace.Aggregator;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Inference;
using FedFace.Learning.Backbones;
using FedFace.Protos.V1;
using FedFace.Vision;

namespace FedFace.Simulator;

/// <summary>A simulated federation's settings. Defaults are the README demo: a few minutes on 2 cores.</summary>
public sealed class SimulatorOptions
{
    public int Sites { get; set; } = 4;
    public int Rounds { get; set; } = 5;
    /// <summary>
    /// The last round publishes the mean of the last this many global models (the aggregator's AverageLastModels); the
    /// centralized baseline of an experiment averages the same number of its models, one per round's worth of epochs.
    /// </summary>
    public int AverageLastModels { get; set; } = 1;
    /// <summary>
    /// The aggregator sums each round's updates in site order, not arrival order (its SumInSiteOrder): a simulation then
    /// repeats to the bit on the same machine (another CPU's kernels round differently), and two settings can be compared
    /// without the arrival order's noise. On by default here.
    /// </summary>
    public bool SumInSiteOrder { get; set; } = true;
    /// <summary>
    /// Train on the people of folds 1–3 and score the pairs of folds 4–5 (<see cref="FoldSplit.Validation"/>), so that
    /// settings can be chosen without scoring the test pairs of folds 6–10.
    /// </summary>
    public bool ValidationSplit { get; set; }
    /// <summary>Training people: those of the training folds (lfw-pairs.txt 1–5) with at least this many LFW images.</summary>
    public int MinImagesPerPerson { get; set; } = 5;
    public int MaxImagesPerPerson { get; set; } = 8;
    /// <summary>0 = every eligible person.</summary>
    public int MaxPeople { get; set; } = 48;
    /// <summary>
    /// Non-IID site sizes: people are dealt with geometric weights, so the largest site gets about
    /// <see cref="SiteSizeRatio"/> times the people of the smallest (false = round robin, equal sites).
    /// </summary>
    public bool UnequalSites { get; set; }
    public double SiteSizeRatio { get; set; } = 6;
    /// <summary>Which face of a photo with several: "largest" or "central".</summary>
    public string FacePolicy { get; set; } = "largest";

    /// <summary>The backbone to train from random initialisation (mobilefacenet, iresnet18, iresnet34, iresnet50); ignored with <see cref="InitialModel"/>.</summary>
    public string Backbone { get; set; } = "mobilefacenet";
    /// <summary>A BatchNorm-folded MobileFaceNet .onnx to start from (e.g. ../shared/models/mobilefacenet_foamliu.onnx); empty = random initialisation.</summary>
    public string InitialModel { get; set; } = "";
    /// <summary>
    /// The pixel scaling the model is trained and scored with, "symmetric" ((x − 127.5) / 127.5) or "imagenet"; "auto" =
    /// imagenet when starting from <see cref="InitialModel"/> (mobilefacenet_foamliu was trained so), else symmetric.
    /// </summary>
    public string Normalization { get; set; } = "auto";

    public int LocalEpochs { get; set; } = 2;
    public int BatchSize { get; set; } = 32;
    /// <summary>"sgd" (with momentum 0.9) or "adamw".</summary>
    public string Optimizer { get; set; } = "sgd";
    /// <summary>Peak local learning rate (after the warm-up); cosine decay to <see cref="LearningRateFloor"/> over each round.</summary>
    public float LearningRate { get; set; } = 0.1f;
    public float LearningRateFloor { get; set; } = 1e-6f;
    public int WarmupSteps { get; set; }
    /// <summary>One cosine decay over all rounds (the centralized baseline's) instead of one per round; the aggregator's Training:DecayAcrossRounds.</summary>
    public bool DecayAcrossRounds { get; set; }
    /// <summary>"auto", "trained" or "received": the BatchNorm statistics sites report (the aggregator's Training:BatchNormStatistics).</summary>
    public string BatchNormStatistics { get; set; } = "auto";
    // The margin, scale and head defaults depend on the start, as the normalisation's does: from a random start ArcFace
    // s = 64, m = 0.5 with centres set to a random backbone's (nearly identical) mean embeddings learned nothing (E2:
    // 56.0% against 58.8% untrained), CosFace s = 32, m = 0.2 with centres left to train did (75.5%); a pretrained
    // start fine-tunes with ArcFace s = 64, m = 0.5 and centres from the means, which fit its embeddings from step one.
    /// <summary>The logit scale s, for either margin kind; null = 32 from a random start, 64 from <see cref="InitialModel"/>.</summary>
    public float? ArcFaceScale { get; set; }
    public float ArcFaceMargin { get; set; } = 0.5f;
    /// <summary>
    /// "arcface" (s·cos(θ + m), m = <see cref="ArcFaceMargin"/>), "cosface" (s·(cos θ − m), m = <see cref="CosFaceMargin"/>;
    /// 0 = a plain normalised softmax) or "auto" (cosface from a random start, arcface from <see cref="InitialModel"/>).
    /// </summary>
    public string MarginKind { get; set; } = "auto";
    /// <summary>Null = 0.2 from a random start, 0.35 (CosFace's paper value) from <see cref="InitialModel"/>.</summary>
    public float? CosFaceMargin { get; set; }
    public float WeightDecay { get; set; } = 5e-4f;
    /// <summary>
    /// Sites set their class centres to their people's mean embeddings under each round's global model before training;
    /// null = only from <see cref="InitialModel"/>.
    /// </summary>
    public bool? HeadFromMeans { get; set; }
    public int MaxStepsPerRound { get; set; } = 0;
    public float FedProxMu { get; set; }
    /// <summary>Sites scale a longer backbone gradient down to this L2 norm before each step (0 = never).</summary>
    public float GradientClipNorm { get; set; }
    /// <summary>Mask augmentation: the chance a training face is replaced by its synthetically masked rendering.</summary>
    public float MaskProbability { get; set; }
    /// <summary>Per-face jitter while training (all zero = none): shift and zoom as shares of the side, rotation in degrees, contrast and brightness.</summary>
    public float AugmentShift { get; set; }
    public float AugmentScale { get; set; }
    public float AugmentRotation { get; set; }
    public float AugmentColor { get; set; }
    /// <summary>BatchNorm normalises with the global statistics while sites train (fine-tuning a BatchNorm-folded import).</summary>
    public bool FreezeBatchNorm { get; set; }
    /// <summary>Sites keep their class centres fixed (random, or their people's means) and train only the backbone.</summary>
    public bool FreezeHead { get; set; }
    /// <summary>Leading backbone stages the sites keep fixed (the aggregator's Training:FrozenStages; 0 = train them all).</summary>
    public int FrozenStages { get; set; }
    /// <summary>Distillation from each round's global model (0 = off): masked faces learn to embed like the bare face did.</summary>
    public float DistillationWeight { get; set; }

    /// <summary>"fedavg", "fedavgm" or "fedadam".</summary>
    public string ServerOptimizer { get; set; } = "fedavg";
    public float ServerLearningRate { get; set; } = 1f;
    public float ServerMomentum { get; set; } = 0.9f;
    public float ServerBeta1 { get; set; } = 0.9f;
    public float ServerBeta2 { get; set; } = 0.99f;
    public float ServerTau { get; set; } = 1e-3f;

    /// <summary>Client-level differential privacy: "off", "central" (the aggregator adds the noise) or "distributed" (each site its share).</summary>
    public string Dp { get; set; } = "off";
    /// <summary>z: the noise standard deviation on the sum over the clip norm.</summary>
    public double DpNoise { get; set; } = 1.0;
    /// <summary>C: the L2 bound of a site's delta (the starting value with adaptive clipping).</summary>
    public double DpClip { get; set; } = 1.0;
    /// <summary>Adaptive clipping toward this quantile of the sites' update norms (0 = a fixed clip).</summary>
    public double DpAdaptiveQuantile { get; set; }
    /// <summary>Training stops before a round that would take ε past this.</summary>
    public double DpEpsilonBudget { get; set; } = 10.0;
    public double DpDelta { get; set; } = 1e-5;

    public double SampleFraction { get; set; } = 1.0;
    /// <summary>Time sites have to train and send their update; in secure rounds, the masked-input stage's deadline.</summary>
    public int RoundDeadlineSeconds { get; set; } = 900;

    /// <summary>Every round securely aggregated (SecAgg+): the aggregator sees only the sum of the sites' updates.</summary>
    public bool SecureAggregation { get; set; }
    /// <summary>Share of a round's sites that may drop out of secure aggregation (sets each site's neighbours k and threshold t).</summary>
    public double SecAggDropoutTolerance { get; set; } = 0.3;
    /// <summary>Deadline of each key stage and of unmasking; a stage closes earlier once every awaited site answered.</summary>
    public int SecAggStageSeconds { get; set; } = 60;
    /// <summary>
    /// A site's flattened delta is clipped to this L2 norm, each coordinate to ±<see cref="SecAggCoordinateBound"/>. Wide by default, so real
    /// deltas (BatchNorm statistics included) pass unclipped; the price is a coarser quantization step (bound / levels).
    /// </summary>
    public double SecAggClipNorm { get; set; } = 1e4;
    public double SecAggCoordinateBound { get; set; } = 100;
    /// <summary>Fault injection (secure rounds): this many sites — the last by id — vanish in round 1 just before the stage <see cref="DropAt"/>.</summary>
    public int DropSites { get; set; }
    /// <summary>keys (they never advertise keys), shares (advertised, never share), masked (shared, no masked input), unmask (sent it, never unmask).</summary>
    public string DropAt { get; set; } = "masked";
    /// <summary>Pairs scored per held-out fold (half matched, half not); 0 = all 600 of each scored fold (slower, exact protocol).</summary>
    public int EvalPairsPerFold { get; set; } = 100;
    /// <summary>Also score every round with a synthetic mask on the second image of each held-out pair.</summary>
    public bool MaskedEval { get; set; }
    public int Seed { get; set; } = 7;
    public string OutputDirectory { get; set; } = "runs/demo";
    /// <summary>The shared data folder; empty = FEDFACE_SHARED_DIR or the "shared" folder next to the checkout.</summary>
    public string SharedDirectory { get; set; } = "";

    /// <summary>The normalisation in force once "auto" is resolved (reported with the settings).</summary>
    public string EffectiveNormalization => InputNormalization.Name;

    internal ModelInputNormalization InputNormalization =>
        Normalization.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? FromRandomStart ? ModelInputNormalization.Symmetric : ModelInputNormalization.ImageNet
            : ModelInputNormalization.Parse(Normalization);

    internal FaceSelectionPolicy FaceSelection => FaceSelector.ParsePolicy(FacePolicy);

    /// <summary>What every site is told to do in each round task (the aggregator's Training section).</summary>
    internal LocalTrainingSettings TrainingSettings() => new()
    {
        LocalEpochs = LocalEpochs,
        BatchSize = BatchSize,
        Optimizer = Optimizer.Trim().Equals("adamw", StringComparison.OrdinalIgnoreCase) ? OptimizerKind.AdamW : OptimizerKind.Sgd,
        LearningRate = LearningRate,
        LearningRateFloor = LearningRateFloor,
        WarmupSteps = WarmupSteps,
        DecayAcrossRounds = DecayAcrossRounds,
        BatchNormStatistics = ParsedBatchNormStatistics ?? BatchNormStatisticsSource.Auto,
        ArcFaceScale = ArcFaceScale ?? (FromRandomStart ? 32f : 64f),
        ArcFaceMargin = ArcFaceMargin,
        MarginKind = ParsedMarginKind ?? Protos.V1.MarginKind.ArcFace,
        CosFaceMargin = CosFaceMargin ?? (FromRandomStart ? 0.2f : 0.35f),
        WeightDecay = WeightDecay,
        InitializeHeadFromMeans = HeadFromMeans ?? !FromRandomStart,
        MaxSteps = MaxStepsPerRound,
        FedProxMu = FedProxMu,
        GradientClipNorm = GradientClipNorm,
        MaskedFaceProbability = MaskProbability,
        FreezeBatchNormStatistics = FreezeBatchNorm,
        FreezeHead = FreezeHead,
        FrozenStages = FrozenStages,
        DistillationWeight = DistillationWeight,
        AugmentMaxShift = AugmentShift,
        AugmentMaxScale = AugmentScale,
        AugmentMaxRotationDegrees = AugmentRotation,
        AugmentColorJitter = AugmentColor,
    };

    private BatchNormStatisticsSource? ParsedBatchNormStatistics =>
        Enum.TryParse(BatchNormStatistics, ignoreCase: true, out BatchNormStatisticsSource source) && Enum.IsDefined(source) ? source : null;

    private bool FromRandomStart => string.IsNullOrWhiteSpace(InitialModel);

    private Protos.V1.MarginKind? ParsedMarginKind => MarginKind.Trim().ToLowerInvariant() switch
    {
        "auto" => FromRandomStart ? Protos.V1.MarginKind.CosFace : Protos.V1.MarginKind.ArcFace,
        "arcface" => Protos.V1.MarginKind.ArcFace,
        "cosface" => Protos.V1.MarginKind.CosFace,
        _ => null,
    };

    /// <summary>The aggregator's MinSites: the sites sampled each round; with sites dropping out, the quorum the others still meet.</summary>
    internal int MinSites() => Math.Max(SecureAggregation ? RoundConfiguration.MinimumSites : 1, (int)Math.Ceiling(SampleFraction * Sites) - DropSites);

    /// <summary>The aggregator's secure-aggregation section.</summary>
    internal SecureAggregationOptions SecureAggregationSettings() => new()
    {
        Enabled = SecureAggregation,
        DropoutTolerance = SecAggDropoutTolerance,
        ClipNorm = SecAggClipNorm,
        CoordinateBound = SecAggCoordinateBound,
        AdvertiseKeysSeconds = SecAggStageSeconds,
        ShareKeysSeconds = SecAggStageSeconds,
        ConsistencyCheckSeconds = SecAggStageSeconds,
        UnmaskSeconds = SecAggStageSeconds,
    };

    internal ServerOptimizerSettings ServerOptimizerSettings() => new()
    {
        Kind = ServerOptimizer.Trim().ToLowerInvariant(),
        LearningRate = ServerLearningRate,
        Momentum = ServerMomentum,
        Beta1 = ServerBeta1,
        Beta2 = ServerBeta2,
        Tau = ServerTau,
    };

    /// <summary>
    /// The aggregator's differential privacy from the --dp flags. With adaptive clipping the clipped count takes noise
    /// σ_b = z, which keeps most of the noise for the update with a handful of sites (the paper's m/20 suits hundreds).
    /// </summary>
    internal DifferentialPrivacySettings DifferentialPrivacySettings() => new()
    {
        Mode = DpMode ?? DifferentialPrivacyMode.Off,
        NoiseMultiplier = DpNoise,
        ClipNorm = DpClip,
        Adaptive = DpAdaptiveQuantile > 0 ? new AdaptiveClippingSettings { TargetQuantile = DpAdaptiveQuantile, CountNoiseMultiplier = DpNoise } : null,
        EpsilonBudget = DpEpsilonBudget,
        Delta = DpDelta,
    };

    private DifferentialPrivacyMode? DpMode => Dp.Trim().ToLowerInvariant() switch
    {
        "off" => DifferentialPrivacyMode.Off,
        "central" => DifferentialPrivacyMode.Central,
        "distributed" => DifferentialPrivacyMode.Distributed,
        _ => null,
    };

    /// <summary>The settings' problems, named by the flags that set them.</summary>
    private IEnumerable<string> DifferentialPrivacyProblems()
    {
        if (DpMode is null)
        {
            return [$"--dp must be off, central or distributed, got '{Dp}'"];
        }
        (string Setting, string Flag)[] flags =
        [
            ("--dp:NoiseMultiplier", "--dp-noise"), ("--dp:ClipNorm", "--dp-clip"), ("--dp:EpsilonBudget", "--dp-epsilon-budget"),
            ("--dp:Delta", "--dp-delta"), ("--dp:Adaptive:TargetQuantile", "--dp-adaptive-quantile"),
        ];
        return DifferentialPrivacySettings().Problems("--dp")
            .Select(problem => flags.Aggregate(problem, (text, flag) => text.Replace(flag.Setting, flag.Flag, StringComparison.Ordinal)));
    }

    public SimulatorOptions Clone() => (SimulatorOptions)MemberwiseClone();

    /// <summary>How the aggregator combines plain rounds (its Aggregator:Aggregation): fedavg, or a byzantine-robust rule.</summary>
    public FedFace.Aggregator.Strategies.Robust.AggregationSettings Aggregation { get; set; } = new();
    /// <summary>Simulation only: a share of the sites send harmful updates (see <see cref="ByzantineSites"/>).</summary>
    public ByzantineSettings Byzantine { get; set; } = new();

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Sites < 1) problems.Add($"--sites must be at least 1, got {Sites}");
        if (Rounds < 1) problems.Add($"--rounds must be at least 1, got {Rounds}");
        if (AverageLastModels < 1 || AverageLastModels > Rounds) problems.Add($"--average-last must be between 1 and --rounds ({Rounds}), got {AverageLastModels}");
        if (MinImagesPerPerson < 2) problems.Add($"--min-images must be at least 2, got {MinImagesPerPerson}");
        if (MaxImagesPerPerson < MinImagesPerPerson) problems.Add($"--max-images ({MaxImagesPerPerson}) must be at least --min-images ({MinImagesPerPerson})");
        if (BatchSize < 2) problems.Add($"--batch-size must be at least 2, got {BatchSize}");
        if (LocalEpochs < 1) problems.Add($"--epochs must be at least 1, got {LocalEpochs}");
        if (SampleFraction is <= 0 or > 1) problems.Add($"--sample-fraction must be in (0, 1], got {SampleFraction}");
        if (!(SiteSizeRatio >= 1)) problems.Add($"--site-size-ratio must be at least 1, got {SiteSizeRatio}");
        if (MaskProbability is < 0 or > 1) problems.Add($"--mask-probability must be in [0, 1], got {MaskProbability}");
        if (ParsedMarginKind is null) problems.Add($"--margin-kind must be auto, arcface or cosface, got '{MarginKind}'");
        if (ParsedBatchNormStatistics is null) problems.Add($"--bn-statistics must be auto, trained or received, got '{BatchNormStatistics}'");
        if (Optimizer.Trim().ToLowerInvariant() is not ("sgd" or "adamw")) problems.Add($"--optimizer must be sgd or adamw, got '{Optimizer}'");
        if (!FromRandomStart && !File.Exists(InitialModel)) problems.Add($"--initial-model '{InitialModel}' does not exist");
        Collect(() => _ = InputNormalization, "--normalization");
        Collect(() => _ = BackboneArchitecture.Parse(Backbone), "--backbone");
        Collect(() => _ = FaceSelection, "--face-policy");
        Collect(() => _ = SiteVanishing.StageOf(DropAt), "--drop-at");
        if (DropSites < 0) problems.Add($"--drop-sites must be zero or positive, got {DropSites}");
        if (DropSites > 0 && !SecureAggregation) problems.Add("--drop-sites injects dropouts into secure rounds: add --secure-aggregation");
        if (SecureAggregation && Sites - DropSites < RoundConfiguration.MinimumSites)
            problems.Add($"--secure-aggregation needs at least {RoundConfiguration.MinimumSites} sites that stay, got --sites {Sites} with --drop-sites {DropSites}");
        problems.AddRange(SecureAggregationSettings().Problems("--secagg", MinSites(), RoundDeadlineSeconds));
        problems.AddRange(TrainingSettings().Problems("training"));
        problems.AddRange(ServerOptimizerSettings().Problems("--server"));
        problems.AddRange(DifferentialPrivacyProblems());
        problems.AddRange(Aggregation.Problems("--aggregation", MinSites(), SecureAggregation, DifferentialPrivacySettings().Enabled));
        problems.AddRange(Byzantine.Problems());
        return problems;

        void Collect(Action parse, string name)
        {
            try
            {
                parse();
            }
            catch (ArgumentException error)
            {
                problems.Add($"{name}: {error.Message}");
            }
        }
    }

    /// <summary>Short command-line names for the settings above.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>
    {
        ["--sites"] = nameof(Sites),
        ["--rounds"] = nameof(Rounds),
        ["--average-last"] = nameof(AverageLastModels),
        ["--sum-in-site-order"] = nameof(SumInSiteOrder),
        ["--min-images"] = nameof(MinImagesPerPerson),
        ["--max-images"] = nameof(MaxImagesPerPerson),
        ["--max-people"] = nameof(MaxPeople),
        ["--unequal-sites"] = nameof(UnequalSites),
        ["--decay-across-rounds"] = nameof(DecayAcrossRounds),
        ["--bn-statistics"] = nameof(BatchNormStatistics),
        ["--site-size-ratio"] = nameof(SiteSizeRatio),
        ["--face-policy"] = nameof(FacePolicy),
        ["--backbone"] = nameof(Backbone),
        ["--initial-model"] = nameof(InitialModel),
        ["--normalization"] = nameof(Normalization),
        ["--epochs"] = nameof(LocalEpochs),
        ["--batch-size"] = nameof(BatchSize),
        ["--optimizer"] = nameof(Optimizer),
        ["--lr"] = nameof(LearningRate),
        ["--lr-floor"] = nameof(LearningRateFloor),
        ["--warmup-steps"] = nameof(WarmupSteps),
        ["--scale"] = nameof(ArcFaceScale),
        ["--margin"] = nameof(ArcFaceMargin),
        ["--margin-kind"] = nameof(MarginKind),
        ["--cosface-margin"] = nameof(CosFaceMargin),
        ["--weight-decay"] = nameof(WeightDecay),
        ["--head-from-means"] = nameof(HeadFromMeans),
        ["--max-steps"] = nameof(MaxStepsPerRound),
        ["--fedprox-mu"] = nameof(FedProxMu),
        ["--clip-gradient"] = nameof(GradientClipNorm),
        ["--mask-probability"] = nameof(MaskProbability),
        ["--augment-shift"] = nameof(AugmentShift),
        ["--augment-scale"] = nameof(AugmentScale),
        ["--augment-rotation"] = nameof(AugmentRotation),
        ["--augment-color"] = nameof(AugmentColor),
        ["--freeze-bn"] = nameof(FreezeBatchNorm),
        ["--freeze-head"] = nameof(FreezeHead),
        ["--frozen-stages"] = nameof(FrozenStages),
        ["--distill"] = nameof(DistillationWeight),
        ["--server-optimizer"] = nameof(ServerOptimizer),
        ["--server-lr"] = nameof(ServerLearningRate),
        ["--server-momentum"] = nameof(ServerMomentum),
        ["--server-beta1"] = nameof(ServerBeta1),
        ["--server-beta2"] = nameof(ServerBeta2),
        ["--server-tau"] = nameof(ServerTau),
        ["--dp"] = nameof(Dp),
        ["--dp-noise"] = nameof(DpNoise),
        ["--dp-clip"] = nameof(DpClip),
        ["--dp-adaptive-quantile"] = nameof(DpAdaptiveQuantile),
        ["--dp-epsilon-budget"] = nameof(DpEpsilonBudget),
        ["--dp-delta"] = nameof(DpDelta),
        ["--sample-fraction"] = nameof(SampleFraction),
        ["--deadline"] = nameof(RoundDeadlineSeconds),
        ["--secure-aggregation"] = nameof(SecureAggregation),
        ["--secagg-dropout-tolerance"] = nameof(SecAggDropoutTolerance),
        ["--secagg-stage-seconds"] = nameof(SecAggStageSeconds),
        ["--secagg-clip-norm"] = nameof(SecAggClipNorm),
        ["--secagg-coordinate-bound"] = nameof(SecAggCoordinateBound),
        ["--drop-sites"] = nameof(DropSites),
        ["--drop-at"] = nameof(DropAt),
        ["--eval-pairs-per-fold"] = nameof(EvalPairsPerFold),
        ["--validation-split"] = nameof(ValidationSplit),
        ["--masked-eval"] = nameof(MaskedEval),
        ["--aggregation"] = "Aggregation:Rule",
        ["--byzantine-f"] = "Aggregation:ByzantineSites",
        ["--krum-m"] = "Aggregation:KrumSelected",
        ["--norm-bound"] = "Aggregation:NormBound",
        ["--byzantine-fraction"] = "Byzantine:Fraction",
        ["--byzantine-attack"] = "Byzantine:Attack",
        ["--byzantine-scale"] = "Byzantine:Scale",
        ["--seed"] = nameof(Seed),
        ["--out"] = nameof(OutputDirectory),
        ["--shared"] = nameof(SharedDirectory),
    };
}
