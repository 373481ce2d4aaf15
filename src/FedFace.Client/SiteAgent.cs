using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Wire;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace FedFace.Client;

/// <summary>Sees every update just before it is sent (tests use it to check what crosses the wire).</summary>
public interface IUploadAudit
{
    void BeforeUpload(string siteId, UpdateHeader header, ModelState delta);
}

/// <summary>
/// The edge site's work loop: join, ask for work, fetch and verify the global model, train locally, send
/// the backbone delta. The ArcFace head and every face stay here; only the delta and counts leave.
/// </summary>
public sealed class SiteAgent : IDisposable
{
    private const uint ProtocolVersion = ModelTransfer.ProtocolVersion;
    /// <summary>How long a site waits before asking again after refusing a task.</summary>
    private static readonly TimeSpan RefusedTaskPause = TimeSpan.FromSeconds(2);

    private readonly AggregatorConnection _connection;
    private readonly Func<CancellationToken, SiteData> _loadData;
    private readonly SiteOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim? _trainingGate;
    private readonly IUploadAudit? _audit;
    private readonly ISecAggStageObserver? _stageObserver;
    private SiteData? _data;
    private SiteModel? _model;
    private (long Version, ModelState Model)? _global;
    private RoundTask? _refusedTask;

    /// <param name="trainingGate">Optional: lets a simulator run one site's training at a time on few cores.</param>
    /// <param name="stageObserver">Optional: told before each secure-aggregation stage (the simulator's fault injection).</param>
    public SiteAgent(SiteOptions options, Func<CancellationToken, SiteData> loadData, ILoggerFactory loggerFactory,
        SemaphoreSlim? trainingGate = null, IUploadAudit? audit = null, ISecAggStageObserver? stageObserver = null)
    {
        _options = options;
        _loadData = loadData;
        _connection = new AggregatorConnection(options.Endpoint, loggerFactory);
        _logger = loggerFactory.CreateLogger($"FedFace.Site.{_connection.SiteId}");
        _retry = TransientFaults.CreatePipeline(options.Retry, _logger);
        _trainingGate = trainingGate;
        _audit = audit;
        _stageObserver = stageObserver;
    }

    public string SiteId => _connection.SiteId;

    public int RoundsAccepted { get; private set; }

    /// <summary>Runs until the federation finishes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Federation.FederationClient client = _connection.Client;
        JoinReply joined = await _retry.ExecuteAsync(async ct =>
            await client.JoinAsync(new JoinRequest { ProtocolVersion = ProtocolVersion, ClientVersion = "fedface-site/1" }, cancellationToken: ct), cancellationToken);
        _logger.LogInformation("Joined federation {Federation} as {Site}", joined.FederationName, joined.SiteId);
        while (!cancellationToken.IsCancellationRequested)
        {
            TaskReply reply = await _retry.ExecuteAsync(async ct =>
                await client.GetTaskAsync(new TaskRequest { ProtocolVersion = ProtocolVersion }, cancellationToken: ct), cancellationToken);
            switch (reply.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Task:
                    await RunRoundAsync(reply.Task, cancellationToken);
                    break;
                case TaskReply.OutcomeOneofCase.Finished:
                    _logger.LogInformation("Federation finished at model v{Version}: {Reason}", reply.Finished.FinalModelVersion, reply.Finished.Reason);
                    return;
                default:
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(50, reply.Wait?.RetryAfterMs ?? 1000)), cancellationToken);
                    break;
            }
        }
    }

    private async Task RunRoundAsync(RoundTask task, CancellationToken cancellationToken)
    {
        if (task.Equals(_refusedTask) || Refuses(task))
        {
            // The aggregator offers a refused task until its round closes: ask again later, without saying it all again.
            _refusedTask = task;
            await Task.Delay(RefusedTaskPause, cancellationToken);
            return;
        }
        // A secure round's key stages run in the background while the site downloads and trains.
        await using SecAggParticipant? secure = StartSecureAggregation(task, cancellationToken);
        if (task.SecureAggregation is not null && secure is null)
        {
            _refusedTask = task;
            return;
        }
        ModelState global = await GetGlobalModelAsync(task, cancellationToken);
        _data ??= _loadData(cancellationToken);
        _model ??= new SiteModel(_data.Faces.ClassCount, _options.Seed, BackboneArchitecture.Of(global));

        // Training that cannot finish by the deadline is wasted work: stop it there.
        using var untilDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan remaining = DateTimeOffset.FromUnixTimeMilliseconds(task.DeadlineUnixMs) - DateTimeOffset.UtcNow;
        untilDeadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        LocalTrainingReport report;
        try
        {
            report = await TrainAsync(global, task, untilDeadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Round {Round}: the deadline passed during local training; no update sent", task.Round);
            if (secure is not null)
            {
                await secure.LeaveAsync("the deadline passed during local training", cancellationToken);
            }
            return;
        }

        ModelState delta = _model.ComputeDelta(global);
        UpdateHeader header = ModelTransfer.HeaderFor(task, delta, report.Examples);
        Federation.FederationClient client = _connection.Client;
        await _retry.ExecuteAsync(async ct => await client.ReportMetricsAsync(new RoundMetrics
        {
            ProtocolVersion = ProtocolVersion,
            Round = task.Round,
            ExampleCount = report.Examples,
            MeanLoss = report.MeanLoss,
            TrainSeconds = report.Seconds,
            Steps = (uint)report.Steps,
        }, cancellationToken: ct), cancellationToken);
        _audit?.BeforeUpload(SiteId, header, delta);
        if (secure is not null)
        {
            SecAggEnd end = await secure.ContributeAsync(global, delta, report.Examples, cancellationToken);
            RecordSecureEnd(task, end);
            return;
        }
        UploadReply verdict = await _retry.ExecuteAsync(ct => ModelTransfer.UploadAsync(client, header, delta, ct), cancellationToken);
        if (verdict.Accepted)
        {
            RoundsAccepted++;
            _logger.LogInformation("Round {Round}: update accepted ({Examples} examples, loss {Loss:F3})", task.Round, report.Examples, report.MeanLoss);
        }
        else
        {
            // A refusal is a verdict, not a fault: log it and ask for the next task instead of resending.
            _logger.LogWarning("Round {Round}: update rejected: {Code}: {Reason}", task.Round, verdict.Rejection, verdict.Reason);
        }
    }

    /// <summary>A site that requires secure aggregation refuses a plain round, saying so once.</summary>
    private bool Refuses(RoundTask task)
    {
        if (task.SecureAggregation is not null || !_options.RequireSecureAggregation)
        {
            return false;
        }
        _logger.LogWarning("Round {Round}: refused: this site requires secure aggregation (Site:RequireSecureAggregation) and the round is plain, "
            + "so the aggregator would see its update; it neither trains nor uploads", task.Round);
        return true;
    }

    /// <summary>The site's part in a secure round, its key stages started; null for a plain round or a secure one the site refuses (logged).</summary>
    private SecAggParticipant? StartSecureAggregation(RoundTask task, CancellationToken cancellationToken)
    {
        if (task.SecureAggregation is null)
        {
            return null;
        }
        try
        {
            return SecAggParticipant.Start(task, _connection, _retry, _logger, _stageObserver, cancellationToken: cancellationToken);
        }
        catch (Core.SecureAggregation.SecAggProtocolException e)
        {
            _logger.LogWarning("Round {Round}: refused the secure round: {Reason}", task.Round, e.Message);
            return null;
        }
    }

    private void RecordSecureEnd(RoundTask task, SecAggEnd end)
    {
        if (end.InputIncluded)
        {
            RoundsAccepted++;
            _logger.LogInformation("Round {Round}: masked update in the secure sum: {Outcome}", task.Round, end.Description);
        }
        else
        {
            _logger.LogWarning("Round {Round}: masked update not in the secure sum: {Outcome}", task.Round, end.Description);
        }
    }

    private async Task<LocalTrainingReport> TrainAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
    {
        LocalTrainingOptions options = TrainingOptionsFor(task.Training, _options.Seed);
        if (options.MaskedFaceProbability > 0 && _data!.Faces.MaskedPixels is null)
        {
            _logger.LogWarning("Round {Round} asks for mask augmentation (probability {Probability}) but this site prepared no masked faces "
                + "(Site:PrepareMaskedFaces is off); training without it", task.Round, options.MaskedFaceProbability);
        }
        if (_trainingGate is not null)
        {
            await _trainingGate.WaitAsync(cancellationToken);
        }
        try
        {
            return await Task.Run(() =>
            {
                _model!.LoadGlobal(global, options.KeepBatchNormLocal);
                return _model.Train(_data!.Faces, options, cancellationToken);
            }, cancellationToken);
        }
        finally
        {
            _trainingGate?.Release();
        }
    }

    /// <summary>
    /// The round task's hyper-parameters as local training options. Unset enums and absent optional fields (a task
    /// from an older aggregator) fall back to the site's defaults; the seed mixes the round's with the site's.
    /// </summary>
    public static LocalTrainingOptions TrainingOptionsFor(TrainingConfig config, int siteSeed)
    {
        LocalTrainingOptions defaults = LocalTrainingOptions.Default;
        return new LocalTrainingOptions
        {
            Epochs = (int)config.LocalEpochs,
            BatchSize = (int)config.BatchSize,
            MaxSteps = (int)config.MaxSteps,
            Seed = config.Seed ^ (ulong)siteSeed,
            Optimizer = config.Optimizer == Protos.V1.OptimizerKind.AdamW ? Learning.Training.OptimizerKind.AdamW : Learning.Training.OptimizerKind.Sgd,
            LearningRate = config.LearningRate,
            LearningRateFloor = config.HasLearningRateFloor ? config.LearningRateFloor : Math.Min(defaults.LearningRateFloor, config.LearningRate),
            WarmupSteps = (int)config.WarmupSteps,
            Momentum = config.Momentum,
            WeightDecay = config.WeightDecay,
            MarginKind = config.MarginKind == Protos.V1.MarginKind.CosFace ? Learning.Heads.MarginKind.CosFace : Learning.Heads.MarginKind.ArcFace,
            LogitScale = config.ArcfaceScale,
            ArcFaceMargin = config.ArcfaceMargin,
            CosFaceMargin = config.HasCosfaceMargin ? config.CosfaceMargin : defaults.CosFaceMargin,
            InitializeHeadFromMeans = config.HasInitHeadFromMeans ? config.InitHeadFromMeans : defaults.InitializeHeadFromMeans,
            FrozenStages = (int)config.FrozenStages,
            ValidationFraction = config.ValidationFraction,
            EarlyStoppingPatience = (int)config.EarlyStoppingPatience,
            FedProxMu = config.FedproxMu,
            KeepBatchNormLocal = config.KeepBatchNormLocal,
            MaskedFaceProbability = config.MaskedFaceProbability,
            FreezeBatchNormStatistics = config.FreezeBatchNormStatistics,
            DistillationWeight = config.DistillationWeight,
        };
    }

    /// <summary>The round's global model: from memory if we have that version, else downloaded and hash-checked.</summary>
    private async Task<ModelState> GetGlobalModelAsync(RoundTask task, CancellationToken cancellationToken)
    {
        if (_global is { } cached && cached.Version == task.ModelVersion)
        {
            return cached.Model;
        }
        var clock = Stopwatch.StartNew();
        ModelState model = await _retry.ExecuteAsync(ct => ModelTransfer.DownloadAsync(_connection.Client, task, _options.MaxModelBytes, ct), cancellationToken);
        _global = (task.ModelVersion, model);
        _logger.LogInformation("Downloaded model v{Version} ({Megabytes:F1} MB, sha256 verified) in {Seconds:F2}s",
            task.ModelVersion, model.DataBytes / 1e6, clock.Elapsed.TotalSeconds);
        return model;
    }

    public void Dispose()
    {
        _model?.Dispose();
        _connection.Dispose();
    }
}
