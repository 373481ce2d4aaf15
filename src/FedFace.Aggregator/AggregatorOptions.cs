using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Aggregator;

/// <summary>How far a federation has come: rounds committed of the rounds it runs.</summary>
public readonly record struct FederationProgress(long CommittedRounds, int TotalRounds);

/// <summary>Which BatchNorm running statistics sites report with their update.</summary>
public enum BatchNormStatisticsSource
{
    /// <summary>Those of the received model when the server optimiser asks for them (a step away from the average), else trained.</summary>
    Auto,
    /// <summary>What local training left behind (FedAvg's usual average).</summary>
    Trained,
    /// <summary>Those of the received model over the site's faces, measured before training.</summary>
    Received,
}

/// <summary>What a site is asked to do in a round; sent to it in the round task.</summary>
public sealed class LocalTrainingSettings
{
    public int LocalEpochs { get; set; } = 1;
    public int BatchSize { get; set; } = 32;
    public float LearningRate { get; set; } = 0.05f;
    public float Momentum { get; set; } = 0.9f;
    public float WeightDecay { get; set; } = 5e-4f;
    public float ArcFaceScale { get; set; } = 64f;
    public float ArcFaceMargin { get; set; } = 0.5f;
    /// <summary>0 means no cap beyond <see cref="LocalEpochs"/>.</summary>
    public int MaxSteps { get; set; }
    /// <summary>Sgd (with <see cref="Momentum"/>) or AdamW.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Sgd;
    /// <summary>Steps of linear ramp up to <see cref="LearningRate"/> at the start of each round's local training.</summary>
    public int WarmupSteps { get; set; }
    /// <summary>Where the cosine decay ends at a round's last step; equal to <see cref="LearningRate"/> for a constant rate.</summary>
    public float LearningRateFloor { get; set; } = 1e-6f;
    /// <summary>ArcFace (uses <see cref="ArcFaceMargin"/>) or CosFace (uses <see cref="CosFaceMargin"/>); <see cref="ArcFaceScale"/> is s for both.</summary>
    public MarginKind MarginKind { get; set; } = MarginKind.ArcFace;
    public float CosFaceMargin { get; set; } = 0.35f;
    /// <summary>Sites start each round with class centres at their people's mean embeddings under the new global model.</summary>
    public bool InitializeHeadFromMeans { get; set; } = true;
    /// <summary>Leading backbone stages sites keep fixed (conv1, dw_conv, features.0, …).</summary>
    public int FrozenStages { get; set; }
    /// <summary>Share of each person's images a site holds out for validation (0 = none).</summary>
    public float ValidationFraction { get; set; }
    /// <summary>Epochs without a lower validation loss before a site stops early (0 = never).</summary>
    public int EarlyStoppingPatience { get; set; }
    /// <summary>Sites scale a longer backbone gradient down to this L2 norm before each step (0 = never).</summary>
    public float GradientClipNorm { get; set; }
    /// <summary>FedProx μ (0 = plain local SGD).</summary>
    public float FedProxMu { get; set; }
    /// <summary>
    /// FedBN: sites keep their BatchNorm tensors and send zero deltas for them. The wire still carries every tensor, so
    /// the global BatchNorm stays untouched only when every site uses it, as this one setting for all of them ensures.
    /// </summary>
    public bool KeepBatchNormLocal { get; set; }
    /// <summary>Share of training faces a site replaces by its synthetically masked rendering (0 = none).</summary>
    public float MaskedFaceProbability { get; set; }
    /// <summary>BatchNorm runs on the global statistics during local training (for a BatchNorm-folded pretrained start).</summary>
    public bool FreezeBatchNormStatistics { get; set; }
    /// <summary>Sites keep their class centres fixed and train the backbone only; see the proto's freeze_head.</summary>
    public bool FreezeHead { get; set; }
    /// <summary>Weight of the distillation from the round's global model (0 = off); see the proto's distillation_weight.</summary>
    public float DistillationWeight { get; set; }
    /// <summary>Per-face jitter bounds (all zero = none): shift and zoom as shares, rotation in degrees, contrast and brightness.</summary>
    public float AugmentMaxShift { get; set; }
    public float AugmentMaxScale { get; set; }
    public float AugmentMaxRotationDegrees { get; set; }
    public float AugmentColorJitter { get; set; }
    /// <summary>
    /// One cosine decay over the whole federation instead of one per round: the round that trains model v runs its local
    /// schedule from rate(v) down to rate(v + 1), rate(x) = floor + (peak − floor)·½(1 + cos(π·x/TotalRounds)), with the
    /// warm-up in the first round only. A centralized run decays once over all its epochs; this is its federated match,
    /// where a per-round decay starts every round at the peak again.
    /// </summary>
    public bool DecayAcrossRounds { get; set; }
    /// <summary>Ignored (never reported) under FedBN or frozen statistics.</summary>
    public BatchNormStatisticsSource BatchNormStatistics { get; set; } = BatchNormStatisticsSource.Auto;

    /// <summary>
    /// The round task's hyper-parameters. <paramref name="receivedModelStatistics"/>: the server optimiser wants the
    /// statistics of the received model (<see cref="IServerOptimizer.WantsReceivedModelStatistics"/>); asked for only
    /// when the sites' BatchNorm statistics are shared and trained (not under FedBN or frozen statistics).
    /// <paramref name="progress"/>: where the federation stands, for <see cref="DecayAcrossRounds"/>.
    /// </summary>
    public TrainingConfig ToTrainingConfig(ulong seed, bool receivedModelStatistics = false, FederationProgress? progress = null)
    {
        (float start, float end, int warmup) = DecayAcrossRounds && progress is { } at
            ? (RateAfter(at.CommittedRounds, at.TotalRounds), RateAfter(at.CommittedRounds + 1, at.TotalRounds), at.CommittedRounds == 0 ? WarmupSteps : 0)
            : (LearningRate, LearningRateFloor, WarmupSteps);
        return new TrainingConfig
        {
            ReportReceivedModelStatistics = BatchNormStatistics switch
            {
                BatchNormStatisticsSource.Received => true,
                BatchNormStatisticsSource.Trained => false,
                _ => receivedModelStatistics,
            } && !KeepBatchNormLocal && !FreezeBatchNormStatistics,
            LearningRate = start,
            LearningRateFloor = end,
            WarmupSteps = (uint)warmup,
            LocalEpochs = (uint)LocalEpochs,
            BatchSize = (uint)BatchSize,
            Momentum = Momentum,
            WeightDecay = WeightDecay,
            ArcfaceScale = ArcFaceScale,
            ArcfaceMargin = ArcFaceMargin,
            MaxSteps = (uint)MaxSteps,
            Seed = seed,
            Optimizer = Optimizer,
            MarginKind = MarginKind,
            CosfaceMargin = CosFaceMargin,
            InitHeadFromMeans = InitializeHeadFromMeans,
            FrozenStages = (uint)FrozenStages,
            ValidationFraction = ValidationFraction,
            EarlyStoppingPatience = (uint)EarlyStoppingPatience,
            FedproxMu = FedProxMu,
            GradientClipNorm = GradientClipNorm,
            KeepBatchNormLocal = KeepBatchNormLocal,
            MaskedFaceProbability = MaskedFaceProbability,
            FreezeBatchNormStatistics = FreezeBatchNormStatistics,
            FreezeHead = FreezeHead,
            DistillationWeight = DistillationWeight,
            Augmentation = new AugmentationConfig
            {
                MaxShift = AugmentMaxShift,
                MaxScale = AugmentMaxScale,
                MaxRotationDegrees = AugmentMaxRotationDegrees,
                ColorJitter = AugmentColorJitter,
            },
        };
    }

    /// <summary>The federation-wide cosine's rate once <paramref name="rounds"/> of <paramref name="totalRounds"/> are committed (the floor after the last).</summary>
    private float RateAfter(long rounds, int totalRounds) =>
        LearningRateFloor + (LearningRate - LearningRateFloor) * 0.5f * (1 + MathF.Cos(MathF.PI * Math.Min(rounds, totalRounds) / totalRounds));

    /// <summary>Every problem with the settings, as sentences naming them under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (LocalEpochs < 1) yield return $"{section}:LocalEpochs must be at least 1, got {LocalEpochs}";
        if (BatchSize < 2) yield return $"{section}:BatchSize must be at least 2 (BatchNorm), got {BatchSize}";
        if (!(LearningRate > 0)) yield return $"{section}:LearningRate must be positive, got {LearningRate}";
        if (!(LearningRateFloor >= 0 && LearningRateFloor <= LearningRate)) yield return $"{section}:LearningRateFloor must be in [0, LearningRate], got {LearningRateFloor}";
        if (WarmupSteps < 0) yield return $"{section}:WarmupSteps must be zero or positive, got {WarmupSteps}";
        if (Optimizer is not (OptimizerKind.Sgd or OptimizerKind.AdamW)) yield return $"{section}:Optimizer must be Sgd or AdamW, got {Optimizer}";
        if (MarginKind is not (MarginKind.ArcFace or MarginKind.CosFace)) yield return $"{section}:MarginKind must be ArcFace or CosFace, got {MarginKind}";
        if (!(CosFaceMargin is >= 0 and < 1)) yield return $"{section}:CosFaceMargin must be in [0, 1), got {CosFaceMargin}";
        if (FrozenStages < 0) yield return $"{section}:FrozenStages must be zero or positive, got {FrozenStages}";
        if (!(ValidationFraction is >= 0 and < 1)) yield return $"{section}:ValidationFraction must be in [0, 1), got {ValidationFraction}";
        if (EarlyStoppingPatience < 0) yield return $"{section}:EarlyStoppingPatience must be zero or positive, got {EarlyStoppingPatience}";
        if (!(GradientClipNorm >= 0) || !float.IsFinite(GradientClipNorm)) yield return $"{section}:GradientClipNorm must be zero or positive, got {GradientClipNorm}";
        if (!(FedProxMu >= 0)) yield return $"{section}:FedProxMu must be zero or positive, got {FedProxMu}";
        if (!(MaskedFaceProbability is >= 0 and <= 1)) yield return $"{section}:MaskedFaceProbability must be in [0, 1], got {MaskedFaceProbability}";
        if (!(DistillationWeight >= 0) || !float.IsFinite(DistillationWeight)) yield return $"{section}:DistillationWeight must be zero or positive, got {DistillationWeight}";
        if (!Enum.IsDefined(BatchNormStatistics)) yield return $"{section}:BatchNormStatistics must be Auto, Trained or Received, got {BatchNormStatistics}";
        foreach ((string name, float value, string rule) in AugmentationBounds.Violations(AugmentMaxShift, AugmentMaxScale, AugmentMaxRotationDegrees, AugmentColorJitter))
        {
            yield return $"{section}:Augment{name} {rule}, got {value}";
        }
    }
}

/// <summary>The aggregator's settings (section "Aggregator"), validated at start-up.</summary>
public sealed class AggregatorOptions
{
    public const string Section = "Aggregator";

    public string FederationName { get; set; } = "FedFace";
    /// <summary>The IP address to listen on: 127.0.0.1 (this machine only) by default; 0.0.0.0 or :: for a federation across machines.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests, simulator).</summary>
    public int Port { get; set; } = 7443;
    public string CertificatePath { get; set; } = "certs/generated/aggregator.crt";
    public string KeyPath { get; set; } = "certs/generated/aggregator.key";
    public string CaCertificatePath { get; set; } = "certs/generated/ca.crt";
    /// <summary>The model-signing certificate and key: they sign published models and nothing else (no TLS).</summary>
    public string ModelSigningCertificatePath { get; set; } = "certs/generated/model-signing.crt";
    public string ModelSigningKeyPath { get; set; } = "certs/generated/model-signing.key";
    public string StateDirectory { get; set; } = "aggregator-state";
    /// <summary>The version-0 global model (a FedFace model file); used only when no state is committed yet.</summary>
    public string? InitialModelPath { get; set; }

    public int MinSites { get; set; } = 2;
    /// <summary>Fraction of joined sites sampled per round (at least MinSites are always sampled).</summary>
    public double SampleFraction { get; set; } = 1.0;
    public int RoundDeadlineSeconds { get; set; } = 600;
    /// <summary>Rounds to commit before the federation finishes.</summary>
    public int TotalRounds { get; set; } = 10;
    /// <summary>
    /// The last round publishes the mean of the last this many global models (itself included) instead of its own step
    /// (tail averaging; see <see cref="ModelAverage"/>). 1 = the last model as it is. A federation that ends early
    /// (privacy budget) publishes its last model as it is.
    /// </summary>
    public int AverageLastModels { get; set; } = 1;
    /// <summary>
    /// Sums a round's updates in site order rather than arrival order, so that a federation whose sites train
    /// deterministically repeats to the bit (see <see cref="FedAvgAccumulator"/>). Costs memory for one model per
    /// site until the round commits; secure rounds are summed by the protocol and need no ordering.
    /// </summary>
    public bool SumInSiteOrder { get; set; }
    public int WaitRetryMilliseconds { get; set; } = 1000;
    /// <summary>The most examples one update may declare (its FedAvg weight); more would let one site outweigh all others.</summary>
    public long MaxExampleCount { get; set; } = 1_000_000;
    /// <summary>
    /// A round whose next global model moved its trained weights further than this many times their current L2 norm (at
    /// least 1; BatchNorm running statistics left out) is aborted before signing, as is one whose model is not finite.
    /// </summary>
    public double MaxModelChangeRatio { get; set; } = 10;
    /// <summary>Upload streams one site may hold open at once; more are refused (ResourceExhausted).</summary>
    public int MaxUploadsPerSite { get; set; } = 2;
    /// <summary>An upload stream that sends nothing for this long is cut.</summary>
    public double UploadChunkTimeoutSeconds { get; set; } = 30;
    /// <summary>
    /// An aborted round lasts at least this long before the next opens. Sites that decline end a round at once, and
    /// without a pause a federation whose sites all refuse its terms would open and abort rounds back to back.
    /// </summary>
    public double MinimumAbortedRoundSeconds { get; set; } = 10;
    /// <summary>Seeds the rounds' training seeds, and the sampling when <see cref="DeterministicSampling"/> is on.</summary>
    public int SamplingSeed { get; set; } = 1;
    /// <summary>
    /// Sample sites with a <see cref="Random"/> seeded by <see cref="SamplingSeed"/>, so a simulation repeats; off (the
    /// default), a CSPRNG samples and nobody who knows the seed can predict the sample.
    /// </summary>
    public bool DeterministicSampling { get; set; }
    public LocalTrainingSettings Training { get; set; } = new();
    /// <summary>How the round's mean delta becomes the next global model (section Aggregator:ServerOptimizer).</summary>
    public ServerOptimizerSettings ServerOptimizer { get; set; } = new();
    /// <summary>Client-level DP-FedAvg (section Aggregator:DifferentialPrivacy); Mode Off by default.</summary>
    public DifferentialPrivacySettings DifferentialPrivacy { get; set; } = new();
    /// <summary>How plain rounds combine their updates (section Aggregator:Aggregation): FedAvg unless a robust rule is set.</summary>
    public Strategies.Robust.AggregationSettings Aggregation { get; set; } = new();
    /// <summary>Secure aggregation (section Aggregator:SecureAggregation): off unless Enabled.</summary>
    public SecureAggregation.SecureAggregationOptions SecureAggregation { get; set; } = new();

    /// <summary>
    /// A joined site not heard from (no call of any kind) for this long leaves the sample until it calls again, so a site
    /// that vanished does not hold every round it would be sampled for until the deadline. Waiting sites call every
    /// <see cref="WaitRetryMilliseconds"/>; a site still training a round that closed without it sits out the next one.
    /// </summary>
    public double SiteTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// When the latest checkpoint is damaged, resume from the newest intact earlier one (its later rounds are lost and
    /// run again) instead of refusing to start. Off by default: losing rounds is the operator's call.
    /// </summary>
    public bool FallBackToIntactCheckpoint { get; set; }

    /// <summary>Every problem with the settings, as sentences; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Require(bool condition, string message)
        {
            if (!condition)
            {
                problems.Add(message);
            }
        }
        Require(System.Net.IPAddress.TryParse(ListenAddress, out _),
            $"Aggregator:ListenAddress must be an IP address (127.0.0.1 for this machine only, 0.0.0.0 or :: for every interface), got '{ListenAddress}'");
        Require(Port is >= 0 and <= 65535, $"Aggregator:Port must be 0..65535, got {Port}");
        Require(MinSites >= 1, $"Aggregator:MinSites must be at least 1, got {MinSites}");
        Require(SampleFraction is > 0 and <= 1, $"Aggregator:SampleFraction must be in (0, 1], got {SampleFraction}");
        Require(RoundDeadlineSeconds > 0, $"Aggregator:RoundDeadlineSeconds must be positive, got {RoundDeadlineSeconds}");
        Require(TotalRounds >= 1, $"Aggregator:TotalRounds must be at least 1, got {TotalRounds}");
        Require(AverageLastModels >= 1 && AverageLastModels <= TotalRounds,
            $"Aggregator:AverageLastModels must be between 1 and TotalRounds ({TotalRounds}), got {AverageLastModels}");
        Require(WaitRetryMilliseconds > 0, $"Aggregator:WaitRetryMilliseconds must be positive, got {WaitRetryMilliseconds}");
        Require(MaxExampleCount is >= 1 and <= UpdateValidator.MaxExampleCountLimit,
            $"Aggregator:MaxExampleCount must be in 1..{UpdateValidator.MaxExampleCountLimit}, got {MaxExampleCount}");
        Require(MaxModelChangeRatio > 0 && double.IsFinite(MaxModelChangeRatio), $"Aggregator:MaxModelChangeRatio must be positive and finite, got {MaxModelChangeRatio}");
        Require(MaxUploadsPerSite >= 1, $"Aggregator:MaxUploadsPerSite must be at least 1, got {MaxUploadsPerSite}");
        Require(UploadChunkTimeoutSeconds > 0 && double.IsFinite(UploadChunkTimeoutSeconds),
            $"Aggregator:UploadChunkTimeoutSeconds must be positive, got {UploadChunkTimeoutSeconds}");
        Require(MinimumAbortedRoundSeconds >= 0, $"Aggregator:MinimumAbortedRoundSeconds must be zero or positive, got {MinimumAbortedRoundSeconds}");
        // A site that waits must never look vanished between two of its calls.
        Require(SiteTimeoutSeconds >= 3 * WaitRetryMilliseconds / 1000.0 && double.IsFinite(SiteTimeoutSeconds),
            $"Aggregator:SiteTimeoutSeconds must be at least 3 wait-retry intervals ({3 * WaitRetryMilliseconds / 1000.0:G4} s), got {SiteTimeoutSeconds}");
        problems.AddRange(Training.Problems("Aggregator:Training"));
        problems.AddRange(ServerOptimizer.Problems("Aggregator:ServerOptimizer"));
        problems.AddRange(DifferentialPrivacy.Problems("Aggregator:DifferentialPrivacy"));
        Require(DifferentialPrivacy.Mode != DifferentialPrivacyMode.Distributed || MinSites >= 2,
            $"Aggregator:DifferentialPrivacy:Mode Distributed needs Aggregator:MinSites of at least 2 (a site is protected only by the others' noise shares), got {MinSites}");
        problems.AddRange(SecureAggregation.Problems("Aggregator:SecureAggregation", MinSites, RoundDeadlineSeconds));
        problems.AddRange(Aggregation.Problems("Aggregator:Aggregation", MinSites, SecureAggregation.Enabled, DifferentialPrivacy.Enabled));
        foreach ((string name, string path) in new[] { ("CertificatePath", CertificatePath), ("KeyPath", KeyPath), ("CaCertificatePath", CaCertificatePath),
                     ("ModelSigningCertificatePath", ModelSigningCertificatePath), ("ModelSigningKeyPath", ModelSigningKeyPath) })
        {
            Require(File.Exists(path), $"Aggregator:{name} '{path}' does not exist (make the PKI with: dotnet run --project certs -- --out certs/generated)");
        }
        return problems;
    }
}

/// <summary>Reports every settings problem by name at start-up.</summary>
internal sealed class AggregatorOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AggregatorOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AggregatorOptions options)
    {
        IReadOnlyList<string> problems = options.Problems();
        return problems.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
