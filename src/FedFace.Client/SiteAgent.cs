using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Training;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
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
/// The edge site's work loop: join, ask for work, refuse a round weaker than the site's policy, fetch the global model
/// and verify its hash and the aggregator's signature, train locally, protect the backbone delta as the round asks
/// (differential privacy) and send it. The ArcFace head and every face stay here; only the delta and counts leave.
/// </summary>
public sealed class SiteAgent : IDisposable
{
    /// <summary>How often a site asks again while the round it refused is still open.</summary>
    private static readonly TimeSpan s_refusedRoundPollInterval = TimeSpan.FromSeconds(1);

    private readonly AggregatorConnection _connection;
    private readonly Func<CancellationToken, SiteData> _loadData;
    private readonly SiteOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim? _trainingGate;
    private readonly IUploadAudit? _audit;
    private readonly ISecAggStageObserver? _stageObserver;
    private readonly ModelVersionFloor _versionFloor;
    private SiteData? _data;
    private SiteModel? _model;
    private (long Version, ByteString Sha256, ModelState Model)? _global;
    private long? _refusedRound;

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
        _versionFloor = ModelVersionFloor.Open(options.StateDirectory);
    }

    /// <summary>Faces aligned before the rounds: the site declares how many it holds when it joins.</summary>
    public void UseAlignedFaces(SiteData data) => _data = data;

    public string SiteId => _connection.SiteId;

    public int RoundsAccepted { get; private set; }

    /// <summary>Rounds this site did not train in: weaker than its policy, a model that failed its signature check, or faces it cannot train on.</summary>
    public int RoundsRefused { get; private set; }

    /// <summary>
    /// Runs until the federation finishes or <paramref name="cancellationToken"/> fires (then throws
    /// <see cref="OperationCanceledException"/>, whether the stop came during a call or between calls).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunUntilFinishedAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the site was stopped during a call to the aggregator", e, cancellationToken);
        }
    }

    private async Task RunUntilFinishedAsync(CancellationToken cancellationToken)
    {
        Federation.FederationClient client = _connection.Client;
        // Faces already aligned are declared, so the aggregator can bound this site's example counts; a site that loads
        // its faces lazily (the simulator's) declares none rather than align before it knows it will train.
        var join = new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "fedface-site/1", DeclaredFaces = (ulong)(_data?.Examples ?? 0) };
        JoinReply joined = await _retry.ExecuteAsync(async ct => await client.JoinAsync(join, cancellationToken: ct), cancellationToken);
        _logger.LogInformation("Joined federation {Federation} as {Site}", joined.FederationName, joined.SiteId);
        ModelSignatureVerifier modelVerifier = _connection.ModelVerifier(joined.FederationName);
        while (!cancellationToken.IsCancellationRequested)
        {
            TaskReply reply = await _retry.ExecuteAsync(async ct =>
                await client.GetTaskAsync(new TaskRequest { ProtocolVersion = WireProtocol.Version }, cancellationToken: ct), cancellationToken);
            switch (reply.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Task when reply.Task.Round == _refusedRound:
                    // The aggregator keeps offering the round until its deadline; it stays refused.
                    await Task.Delay(s_refusedRoundPollInterval, cancellationToken);
                    break;
                case TaskReply.OutcomeOneofCase.Task:
                    await RunRoundAsync(reply.Task, modelVerifier, cancellationToken);
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

    private async Task RunRoundAsync(RoundTask task, ModelSignatureVerifier modelVerifier, CancellationToken cancellationToken)
    {
        string? refusal = _options.Protection.RefusalOf(task) ?? _versionFloor.RefusalOf(task.ModelVersion, task.ModelSha256.Span);
        if (refusal is not null)
        {
            await DeclineAsync(task, refusal, cancellationToken);
            return;
        }
        // A secure round's key stages run in the background while the site downloads and trains.
        (SecAggParticipant? started, string? secureRefusal) = StartSecureAggregation(task, cancellationToken);
        await using SecAggParticipant? secure = started;
        if (secureRefusal is not null)
        {
            await DeclineAsync(task, secureRefusal, cancellationToken);
            return;
        }
        (ModelState? global, string? modelRefusal) = await GetVerifiedGlobalModelAsync(task, modelVerifier, cancellationToken);
        if (global is null)
        {
            await SitOutAsync(task, secure, modelRefusal!, cancellationToken);
            return;
        }
        SiteData data = _data ??= _loadData(cancellationToken);
        if (data.Shortfall is { } shortfall)
        {
            // No round can change that: say so rather than fail in training, and the round stops waiting for this site.
            await SitOutAsync(task, secure, shortfall, cancellationToken);
            return;
        }

        // Training that cannot finish by the deadline is wasted work: stop it there.
        using var untilDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan remaining = DateTimeOffset.FromUnixTimeMilliseconds(task.DeadlineUnixMs) - DateTimeOffset.UtcNow;
        untilDeadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        LocalTrainingReport report;
        try
        {
            _model ??= new SiteModel(data.Faces.ClassCount, _options.Seed, BackboneArchitecture.Of(global));
            report = await TrainAsync(global, task, untilDeadline.Token);
        }
        catch (ArgumentException e)
        {
            // A model or plan this site cannot train with (no backbone it knows, settings its faces cannot meet): it sits
            // the round out and says why, rather than end the site, as a later round may well be trainable.
            await SitOutAsync(task, secure, $"cannot train on model v{task.ModelVersion} with round {task.Round}'s plan: {e.Message}", cancellationToken);
            return;
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

        if (report.LargestGradientNorm is { } largestGradient)
        {
            _logger.LogInformation("Round {Round}: {Clipped} of {Steps} steps had their gradient clipped (longest {Norm:G4}, bound {Bound:G4})",
                task.Round, report.ClippedSteps, report.Steps, largestGradient, task.Training.GradientClipNorm);
        }
        ProtectedUpdate update = ProtectedUpdate.For(task, _model.ComputeDelta(global), report.Examples);
        if (update.Clipping is { } clipping)
        {
            // The norm before clipping goes to this log only: sending it would reveal what clipping hides.
            _logger.LogInformation("Round {Round}: delta norm {Norm:G4} {Action} clip norm {Clip:G4}", task.Round, clipping.NormBeforeClipping,
                clipping.WasClipped ? "clipped to the" : "within the", clipping.ClipNorm);
        }
        Federation.FederationClient client = _connection.Client;
        var metrics = new RoundMetrics
        {
            ProtocolVersion = WireProtocol.Version,
            Round = task.Round,
            ExampleCount = report.Examples,
            MeanLoss = report.MeanLoss,
            TrainSeconds = report.Seconds,
            Steps = (uint)report.Steps,
        };
        if (report.Accuracy is { } accuracy)
        {
            metrics.Accuracy = accuracy;
        }
        await _retry.ExecuteAsync(async ct => await client.ReportMetricsAsync(metrics, cancellationToken: ct), cancellationToken);
        _audit?.BeforeUpload(SiteId, update.Header, update.Delta);
        if (secure is not null)
        {
            SecAggEnd end = await secure.ContributeAsync(global, update, cancellationToken);
            RecordSecureEnd(task, end);
            return;
        }
        UploadReply verdict = await _retry.ExecuteAsync(ct => ModelTransfer.UploadAsync(client, update.Header, update.Delta, ct), cancellationToken);
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

    /// <summary>The site's part in a secure round, its key stages started; no participant for a plain round, or why the site refuses a secure one.</summary>
    private (SecAggParticipant? Participant, string? Refusal) StartSecureAggregation(RoundTask task, CancellationToken cancellationToken)
    {
        if (task.SecureAggregation is null)
        {
            return (null, null);
        }
        try
        {
            return (SecAggParticipant.Start(task, _connection, _retry, _logger, _stageObserver, cancellationToken: cancellationToken), null);
        }
        catch (Core.SecureAggregation.SecAggProtocolException e)
        {
            return (null, $"the secure round's terms are unacceptable: {e.Message}");
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
        TrainingPlan options = PlanFor(task.Training, _options.Seed);
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
                try
                {
                    return _model.Train(_data!.Faces, options, cancellationToken);
                }
                finally
                {
                    NativeMemory.ReleaseFreed(); // the site idles until its next round: hand the step buffers back (see NativeMemory)
                }
            }, cancellationToken);
        }
        finally
        {
            _trainingGate?.Release();
        }
    }

    /// <summary>The round task's plan, its seed mixed with the site's so that no two sites draw alike.</summary>
    public static TrainingPlan PlanFor(TrainingConfig config, int siteSeed)
    {
        TrainingPlan plan = TrainingPlanWire.FromWire(config);
        return plan with { Seed = plan.Seed ^ (ulong)siteSeed };
    }

    /// <summary>
    /// The round's global model: from memory if we verified that version and hash before, else downloaded, hash-checked
    /// and signature-checked (invariant 5). No model, and the reason to refuse the round, when the signature does not check out.
    /// </summary>
    private async Task<(ModelState? Model, string? Refusal)> GetVerifiedGlobalModelAsync(RoundTask task, ModelSignatureVerifier modelVerifier,
        CancellationToken cancellationToken)
    {
        if (_global is { } cached && cached.Version == task.ModelVersion && cached.Sha256.Equals(task.ModelSha256))
        {
            return (cached.Model, null);
        }
        var clock = Stopwatch.StartNew();
        DownloadedModel downloaded;
        try
        {
            downloaded = await _retry.ExecuteAsync(ct => ModelTransfer.DownloadAsync(_connection.Client, task, _options.MaxModelBytes, modelVerifier, ct),
                cancellationToken);
        }
        catch (ModelSignatureException refused)
        {
            ModelSignatureCheck check = refused.Check;
            return (null, $"model v{task.ModelVersion} failed its signature check ({check.Failure}): {check.Reason}");
        }
        // The task's claims were checked against the floor before the download; the signed ones are what the floor keeps.
        ModelSignature signed = downloaded.Signature;
        if (_versionFloor.RefusalOf(signed.ModelVersion, signed.ModelSha256) is { } rollback)
        {
            return (null, rollback);
        }
        _versionFloor.Accept(signed.ModelVersion, signed.Round, signed.ModelSha256);
        _global = (task.ModelVersion, task.ModelSha256, downloaded.Model);
        _logger.LogInformation("Downloaded model v{Version} ({Megabytes:F1} MB, sha256 and the aggregator's signature verified) in {Seconds:F2}s",
            task.ModelVersion, downloaded.Model.DataBytes / 1e6, clock.Elapsed.TotalSeconds);
        return (downloaded.Model, null);
    }

    /// <summary>Declines a round the site already took up; a secure round's stages are told too, or they would wait for it until their deadlines.</summary>
    private async Task SitOutAsync(RoundTask task, SecAggParticipant? secure, string reason, CancellationToken cancellationToken)
    {
        await DeclineAsync(task, reason, cancellationToken);
        if (secure is not null)
        {
            await secure.LeaveAsync(reason, cancellationToken);
        }
    }

    /// <summary>
    /// The site sits the round out: it does not train and sends no update, but tells the aggregator why, so the round
    /// stops waiting for it. The aggregator keeps offering the round until it closes; it stays refused.
    /// </summary>
    private async Task DeclineAsync(RoundTask task, string reason, CancellationToken cancellationToken)
    {
        _refusedRound = task.Round;
        RoundsRefused++;
        _logger.LogWarning("Refusing round {Round}: {Reason}; not training in it", task.Round, reason);
        try
        {
            DeclineRoundReply reply = await _retry.ExecuteAsync(async ct => await _connection.Client.DeclineRoundAsync(
                new DeclineRoundRequest { ProtocolVersion = WireProtocol.Version, Round = task.Round, Reason = reason }, cancellationToken: ct), cancellationToken);
            if (!reply.Recorded)
            {
                _logger.LogInformation("Round {Round}: the aggregator did not record the decline: {Reason}", task.Round, reply.Reason);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Telling is a courtesy: the round's deadline covers a site whose decline never arrives.
            _logger.LogWarning("Round {Round}: could not tell the aggregator of the decline: {Status}: {Detail}", task.Round, e.StatusCode, e.Status.Detail);
        }
    }

    public void Dispose()
    {
        _model?.Dispose();
        _connection.Dispose();
    }
}
