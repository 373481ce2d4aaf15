using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Core.Training;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator;

/// <summary>How far a federation has come: rounds committed of the rounds it runs.</summary>
public readonly record struct FederationProgress(long CommittedRounds, int TotalRounds);

/// <summary>How the aggregator turns its training plan into a round's: the policies a site never sees, resolved.</summary>
public static class RoundTrainingPlan
{
    /// <summary>
    /// The round task's plan on the wire. <paramref name="receivedModelStatistics"/>: the server optimiser wants the
    /// statistics of the received model (<see cref="IServerOptimizer.WantsReceivedModelStatistics"/>), which
    /// <see cref="BatchNormStatisticsSource.Auto"/> follows. <paramref name="progress"/>: where the federation stands, for
    /// <see cref="TrainingPlan.DecayAcrossRounds"/>.
    /// </summary>
    public static TrainingConfig ToTrainingConfig(this TrainingPlan plan, ulong seed, bool receivedModelStatistics = false, FederationProgress? progress = null) =>
        TrainingPlanWire.ToWire(plan.ForRound(seed, receivedModelStatistics, progress));

    /// <summary>The plan a site trains with in the round: its seed, its rates, and whose BatchNorm statistics it reports.</summary>
    public static TrainingPlan ForRound(this TrainingPlan plan, ulong seed, bool receivedModelStatistics = false, FederationProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        (float start, float end, int warmup) = plan.DecayAcrossRounds && progress is { } at
            ? (RateAfter(plan, at.CommittedRounds, at.TotalRounds), RateAfter(plan, at.CommittedRounds + 1, at.TotalRounds), at.CommittedRounds == 0 ? plan.WarmupSteps : 0)
            : (plan.LearningRate, plan.LearningRateFloor, plan.WarmupSteps);
        bool received = plan.BatchNormStatistics switch
        {
            BatchNormStatisticsSource.Received => true,
            BatchNormStatisticsSource.Trained => false,
            _ => receivedModelStatistics,
        };
        return plan with
        {
            Seed = seed,
            LearningRate = start,
            LearningRateFloor = end,
            WarmupSteps = warmup,
            DecayAcrossRounds = false,
            BatchNormStatistics = received ? BatchNormStatisticsSource.Received : BatchNormStatisticsSource.Trained,
        };
    }

    /// <summary>The federation-wide cosine's rate once <paramref name="rounds"/> of <paramref name="totalRounds"/> are committed (the floor after the last).</summary>
    private static float RateAfter(TrainingPlan plan, long rounds, int totalRounds) =>
        plan.LearningRateFloor + (plan.LearningRate - plan.LearningRateFloor) * 0.5f * (1 + MathF.Cos(MathF.PI * Math.Min(rounds, totalRounds) / totalRounds));
}

/// <summary>The aggregator's settings (section "Aggregator"), validated at start-up.</summary>
public sealed class AggregatorOptions
{
    public const string Section = "Aggregator";

    /// <summary>The federation's name, part of the signed bytes of every model it publishes.</summary>
    public string FederationName { get; set; } = "FedFace";
    /// <summary>The IP address to listen on: 127.0.0.1 (this machine only) by default; 0.0.0.0 or :: for a federation across machines.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests, simulator).</summary>
    public int Port { get; set; } = 7443;
    /// <summary>The aggregator's TLS certificate (PEM), issued by the federation CA for the name sites dial.</summary>
    public string CertificatePath { get; set; } = "certs/generated/aggregator.crt";
    /// <summary>The TLS certificate's private key (PEM).</summary>
    public string KeyPath { get; set; } = "certs/generated/aggregator.key";
    /// <summary>The federation CA's certificate (PEM): every site's certificate must chain to it.</summary>
    public string CaCertificatePath { get; set; } = "certs/generated/ca.crt";
    /// <summary>The model-signing certificate and key: they sign published models and nothing else (no TLS).</summary>
    public string ModelSigningCertificatePath { get; set; } = "certs/generated/model-signing.crt";
    /// <summary>The model-signing certificate's private key (PEM).</summary>
    public string ModelSigningKeyPath { get; set; } = "certs/generated/model-signing.key";
    /// <summary>Where committed rounds are checkpointed (models, optimiser and privacy state); the aggregator resumes from it after a restart.</summary>
    public string StateDirectory { get; set; } = "aggregator-state";
    /// <summary>The version-0 global model (a FedFace model file); used only when no state is committed yet.</summary>
    public string? InitialModelPath { get; set; }

    /// <summary>Live sites to wait for before a round opens, and the valid updates a round needs to commit.</summary>
    public int MinSites { get; set; } = 2;
    /// <summary>Fraction of joined sites sampled per round (at least MinSites are always sampled).</summary>
    public double SampleFraction { get; set; } = 1.0;
    /// <summary>Time sampled sites have to train and send their update; at the deadline the round commits with what arrived (at least MinSites) or aborts.</summary>
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
    /// <summary>How often a waiting site is told to call again while no round has work for it.</summary>
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
    /// <summary>
    /// The federation stops, its sites told why, once this many rounds in a row were aborted (0 = never: a deployed
    /// federation keeps trying, each abort logged and counted, until its operator steps in). A simulation sets it so that
    /// a run whose every round is refused ends.
    /// </summary>
    public int MaxConsecutiveAbortedRounds { get; set; }
    /// <summary>Seeds the rounds' training seeds, and the sampling when <see cref="DeterministicSampling"/> is on.</summary>
    public int SamplingSeed { get; set; } = 1;
    /// <summary>
    /// Sample sites with a <see cref="Random"/> seeded by <see cref="SamplingSeed"/>, so a simulation repeats; off (the
    /// default), a CSPRNG samples and nobody who knows the seed can predict the sample.
    /// </summary>
    public bool DeterministicSampling { get; set; }
    /// <summary>What sites do in each round (section Aggregator:Training); see <see cref="TrainingPlan"/>.</summary>
    public TrainingPlan Training { get; set; } = new();
    /// <summary>How the round's mean delta becomes the next global model (section Aggregator:ServerOptimizer).</summary>
    public ServerOptimizerSettings ServerOptimizer { get; set; } = new();
    /// <summary>Client-level DP-FedAvg (section Aggregator:DifferentialPrivacy); Mode Off by default.</summary>
    public DifferentialPrivacySettings DifferentialPrivacy { get; set; } = new();
    /// <summary>How plain rounds combine their updates (section Aggregator:Aggregation): FedAvg unless a robust rule is set.</summary>
    public Strategies.Robust.AggregationSettings Aggregation { get; set; } = new();
    /// <summary>Secure aggregation (section Aggregator:SecureAggregation): off unless Enabled.</summary>
    public SecureAggregation.SecureAggregationOptions SecureAggregation { get; set; } = new();
    /// <summary>Health probes, metrics and traces (section Aggregator:Observability): the management port and OTLP export.</summary>
    public Observability.ObservabilitySettings Observability { get; set; } = new();
    /// <summary>Revoked site certificates (section Aggregator:Revocation): the CA-signed list, reloaded when it changes.</summary>
    public RevocationOptions Revocation { get; set; } = new();

    /// <summary>The read-only status page over HTTPS (section Aggregator:Dashboard): off unless Enabled.</summary>
    public Dashboard.DashboardOptions Dashboard { get; set; } = new();

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
        Require(MaxConsecutiveAbortedRounds >= 0, $"Aggregator:MaxConsecutiveAbortedRounds must be zero or positive, got {MaxConsecutiveAbortedRounds}");
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
        problems.AddRange(Dashboard.Problems("Aggregator:Dashboard", Port));
        problems.AddRange(Aggregation.Problems("Aggregator:Aggregation", MinSites, SecureAggregation.Enabled, DifferentialPrivacy.Enabled));
        problems.AddRange(Observability.Problems("Aggregator:Observability", Port));
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
