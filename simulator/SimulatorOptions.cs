using FedFace.Aggregator;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Training;
using FedFace.Inference;
using FedFace.Simulator.VirtualSites;
using FedFace.Learning.Backbones;
using FedFace.Vision;
using Microsoft.Extensions.Configuration;

namespace FedFace.Simulator;

/// <summary>A simulated federation's settings. Defaults are the README demo: a few minutes on 2 cores.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Simulated sites, each a real client over mutual TLS.</summary>
    public int Sites { get; set; } = 4;
    /// <summary>Federated rounds to run.</summary>
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
    /// <summary>At most this many images of each training person are used.</summary>
    public int MaxImagesPerPerson { get; set; } = 8;
    /// <summary>0 = every eligible person.</summary>
    public int MaxPeople { get; set; } = 48;
    /// <summary>How many of the training people each site gets: equal, geometric, Zipf or Dirichlet sizes.</summary>
    public PartitionSettings Partition { get; set; } = new();
    /// <summary>Sites whose cameras see masked faces or greyscale photos.</summary>
    public DomainShiftSettings DomainShift { get; set; } = new();
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

    /// <summary>
    /// What every site is told to do in each round task: the aggregator's own Training section (same keys, defaults and
    /// checks), which the training flags of <see cref="SwitchMappings"/> set. The demo's defaults follow the start, as
    /// the normalisation's do (<see cref="DemoTraining"/>).
    /// </summary>
    public TrainingPlan Training { get; set; } = DemoTraining(pretrained: false);

    /// <summary>"fedavg", "fedavgm" or "fedadam".</summary>
    public string ServerOptimizer { get; set; } = "fedavg";
    /// <summary>The server optimiser's learning rate η.</summary>
    public float ServerLearningRate { get; set; } = 1f;
    /// <summary>FedAvgM's server momentum β.</summary>
    public float ServerMomentum { get; set; } = 0.9f;
    /// <summary>FedAdam's first-moment decay β1.</summary>
    public float ServerBeta1 { get; set; } = 0.9f;
    /// <summary>FedAdam's second-moment decay β2.</summary>
    public float ServerBeta2 { get; set; } = 0.99f;
    /// <summary>FedAdam's adaptivity τ.</summary>
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
    /// <summary>δ of the (ε, δ) guarantee the privacy accountant reports.</summary>
    public double DpDelta { get; set; } = 1e-5;

    /// <summary>Fraction of the sites sampled per round.</summary>
    public double SampleFraction { get; set; } = 1.0;
    /// <summary>Time sites have to train and send their update; in secure rounds, the masked-input stage's deadline.</summary>
    public int RoundDeadlineSeconds { get; set; } = 900;
    /// <summary>
    /// The run ends, with fewer rounds committed than asked, once this many rounds in a row were aborted (the aggregator's
    /// MaxConsecutiveAbortedRounds; 0 = never): a run in which every candidate fails its last check would go on for ever.
    /// </summary>
    public int MaxConsecutiveAbortedRounds { get; set; } = 3;

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
    /// <summary>Each coordinate of a site's delta is clipped to ± this before quantization (secure rounds).</summary>
    public double SecAggCoordinateBound { get; set; } = 100;
    /// <summary>Fault injection (secure rounds): this many sites — the last by id — vanish in round 1 just before the stage <see cref="DropAt"/>.</summary>
    public int DropSites { get; set; }
    /// <summary>keys (they never advertise keys), shares (advertised, never share), masked (shared, no masked input), unmask (sent it, never unmask).</summary>
    public string DropAt { get; set; } = "masked";
    /// <summary>Pairs scored per held-out fold (half matched, half not); 0 = all 600 of each scored fold (slower, exact protocol).</summary>
    public int EvalPairsPerFold { get; set; } = 100;
    /// <summary>Also score every round with a synthetic mask on the second image of each held-out pair.</summary>
    public bool MaskedEval { get; set; }
    /// <summary>Seeds the partition of people into sites, the sampling and the training: a run repeats with the same seed.</summary>
    public int Seed { get; set; } = 7;
    /// <summary>Where the report, the chart and the aggregator's state are written.</summary>
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

    private bool FromRandomStart => string.IsNullOrWhiteSpace(InitialModel);

    /// <summary>
    /// The demo's training plan for a random or a pretrained start. From a random start ArcFace (s = 64, m = 0.5) with
    /// centres set to a random backbone's (nearly identical) mean embeddings learned nothing on E2 (56.0% against 58.8%
    /// untrained), CosFace s = 32, m = 0.2 with centres left to train did (75.5%); a pretrained start fine-tunes with the
    /// plan's own ArcFace and centres from the means, which fit its embeddings from step one.
    /// </summary>
    public static TrainingPlan DemoTraining(bool pretrained) => pretrained
        ? new TrainingPlan { LocalEpochs = 2 }
        : new TrainingPlan { LocalEpochs = 2, MarginKind = MarginKind.CosFace, CosFaceMargin = 0.2f, ArcFaceScale = 32f, InitializeHeadFromMeans = false };

    /// <summary>
    /// The settings <paramref name="configuration"/> gives (the command line through <see cref="SwitchMappings"/>) over
    /// <paramref name="preset"/> (an experiment's), or over the demo's for the start it names. A value that is not of its
    /// setting's type is an <see cref="ArgumentException"/> naming the flag.
    /// </summary>
    public static SimulatorOptions Read(IConfiguration configuration, SimulatorOptions? preset = null)
    {
        SimulatorOptions options = preset ?? new SimulatorOptions
        {
            Training = DemoTraining(pretrained: !string.IsNullOrWhiteSpace(configuration[nameof(InitialModel)])),
        };
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            string? key = SwitchMappings.FirstOrDefault(m => e.Message.Contains($"'{m.Value}'", StringComparison.Ordinal)).Key;
            string setting = SwitchMappings.Values.FirstOrDefault(v => e.Message.Contains($"'{v}'", StringComparison.Ordinal)) ?? "";
            throw new ArgumentException($"{key ?? setting}: '{configuration[setting]}' is not a valid value{EnumChoices(e)}", e);
        }
        return options;
    }

    private static string EnumChoices(InvalidOperationException e) =>
        e.Message.Contains(nameof(OptimizerKind), StringComparison.Ordinal) ? " (sgd or adamw)"
        : e.Message.Contains(nameof(MarginKind), StringComparison.Ordinal) ? " (arcface or cosface)"
        : e.Message.Contains(nameof(BatchNormStatisticsSource), StringComparison.Ordinal) ? " (auto, trained or received)"
        : "";

    /// <summary>
    /// The aggregator's MinSites: the sites sampled each round, less those that never answer (secure-stage and plain dropouts,
    /// crashes): the quorum the others still meet. Stragglers count: one past the deadline leaves its round below quorum.
    /// </summary>
    internal int MinSites() => Math.Max(SecureAggregation ? RoundConfiguration.MinimumSites : 1,
        (int)Math.Ceiling(SampleFraction * Sites) - DropSites - Faults.DropoutSites - Faults.CrashSites);

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
    /// <summary>How the virtual-site engine runs the sampled sites: workers, threads, trained, synthetic or replayed updates.</summary>
    public EngineSettings Engine { get; set; } = new();
    /// <summary>Sites that drop out, straggle or crash in plain rounds (the last by id).</summary>
    public FaultSettings Faults { get; set; } = new();

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Sites < 1) problems.Add($"--sites must be at least 1, got {Sites}");
        if (Rounds < 1) problems.Add($"--rounds must be at least 1, got {Rounds}");
        if (MaxConsecutiveAbortedRounds < 0) problems.Add($"--max-aborted-rounds must be zero or positive, got {MaxConsecutiveAbortedRounds}");
        if (AverageLastModels < 1 || AverageLastModels > Rounds) problems.Add($"--average-last must be between 1 and --rounds ({Rounds}), got {AverageLastModels}");
        if (MinImagesPerPerson < 2) problems.Add($"--min-images must be at least 2, got {MinImagesPerPerson}");
        if (MaxImagesPerPerson < MinImagesPerPerson) problems.Add($"--max-images ({MaxImagesPerPerson}) must be at least --min-images ({MinImagesPerPerson})");
        if (SampleFraction is <= 0 or > 1) problems.Add($"--sample-fraction must be in (0, 1], got {SampleFraction}");
        problems.AddRange(Partition.Problems());
        problems.AddRange(DomainShift.Problems(Sites));
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
        problems.AddRange(Training.Problems(TrainingSection).Select(problem => SwitchMappings
            .Where(flag => flag.Value.StartsWith(TrainingSection + ":", StringComparison.Ordinal))
            .Aggregate(problem, (text, flag) => text.StartsWith(flag.Value + " ", StringComparison.Ordinal) ? flag.Key + text[flag.Value.Length..] : text)));
        problems.AddRange(ServerOptimizerSettings().Problems("--server"));
        problems.AddRange(DifferentialPrivacyProblems());
        problems.AddRange(Aggregation.Problems("--aggregation", MinSites(), SecureAggregation, DifferentialPrivacySettings().Enabled));
        problems.AddRange(Byzantine.Problems());
        problems.AddRange(Engine.Problems());
        problems.AddRange(Faults.Problems(Sites));
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

    private const string TrainingSection = nameof(Training);

    private static string Train(string key) => $"{TrainingSection}:{key}";

    /// <summary>
    /// Short command-line names for the settings above; the training flags name keys of <see cref="Training"/>, which
    /// are the aggregator's own (Aggregator:Training:…), and any such key may also be given in full (--Training:Momentum).
    /// </summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>
    {
        ["--sites"] = nameof(Sites),
        ["--rounds"] = nameof(Rounds),
        ["--average-last"] = nameof(AverageLastModels),
        ["--sum-in-site-order"] = nameof(SumInSiteOrder),
        ["--min-images"] = nameof(MinImagesPerPerson),
        ["--max-images"] = nameof(MaxImagesPerPerson),
        ["--max-people"] = nameof(MaxPeople),
        ["--partition"] = "Partition:Sizes",
        ["--site-size-ratio"] = "Partition:GeometricRatio",
        ["--zipf-exponent"] = "Partition:ZipfExponent",
        ["--dirichlet-alpha"] = "Partition:DirichletAlpha",
        ["--face-policy"] = nameof(FacePolicy),
        ["--backbone"] = nameof(Backbone),
        ["--initial-model"] = nameof(InitialModel),
        ["--normalization"] = nameof(Normalization),
        ["--decay-across-rounds"] = Train(nameof(TrainingPlan.DecayAcrossRounds)),
        ["--bn-statistics"] = Train(nameof(TrainingPlan.BatchNormStatistics)),
        ["--epochs"] = Train(nameof(TrainingPlan.LocalEpochs)),
        ["--batch-size"] = Train(nameof(TrainingPlan.BatchSize)),
        ["--optimizer"] = Train(nameof(TrainingPlan.Optimizer)),
        ["--lr"] = Train(nameof(TrainingPlan.LearningRate)),
        ["--lr-floor"] = Train(nameof(TrainingPlan.LearningRateFloor)),
        ["--warmup-steps"] = Train(nameof(TrainingPlan.WarmupSteps)),
        ["--scale"] = Train(nameof(TrainingPlan.ArcFaceScale)),
        ["--margin"] = Train(nameof(TrainingPlan.ArcFaceMargin)),
        ["--margin-kind"] = Train(nameof(TrainingPlan.MarginKind)),
        ["--cosface-margin"] = Train(nameof(TrainingPlan.CosFaceMargin)),
        ["--weight-decay"] = Train(nameof(TrainingPlan.WeightDecay)),
        ["--head-from-means"] = Train(nameof(TrainingPlan.InitializeHeadFromMeans)),
        ["--max-steps"] = Train(nameof(TrainingPlan.MaxSteps)),
        ["--fedprox-mu"] = Train(nameof(TrainingPlan.FedProxMu)),
        ["--clip-gradient"] = Train(nameof(TrainingPlan.GradientClipNorm)),
        ["--mask-probability"] = Train(nameof(TrainingPlan.MaskedFaceProbability)),
        ["--augment-shift"] = Train(nameof(TrainingPlan.AugmentMaxShift)),
        ["--augment-scale"] = Train(nameof(TrainingPlan.AugmentMaxScale)),
        ["--augment-rotation"] = Train(nameof(TrainingPlan.AugmentMaxRotationDegrees)),
        ["--augment-color"] = Train(nameof(TrainingPlan.AugmentColorJitter)),
        ["--freeze-bn"] = Train(nameof(TrainingPlan.FreezeBatchNormStatistics)),
        ["--freeze-head"] = Train(nameof(TrainingPlan.FreezeHead)),
        ["--frozen-stages"] = Train(nameof(TrainingPlan.FrozenStages)),
        ["--distill"] = Train(nameof(TrainingPlan.DistillationWeight)),
        ["--label-smoothing"] = Train(nameof(TrainingPlan.LabelSmoothing)),
        ["--masked-sites"] = "DomainShift:MaskedSites",
        ["--masked-share"] = "DomainShift:MaskedShare",
        ["--greyscale-sites"] = "DomainShift:GreyscaleSites",
        ["--greyscale-share"] = "DomainShift:GreyscaleShare",
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
        ["--max-aborted-rounds"] = nameof(MaxConsecutiveAbortedRounds),
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
