using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace FedFace.Client;

/// <summary>
/// One site's part in one round, over its own connection: refuse a round weaker than the site's policy or older than its
/// model-version floor, start the secure stages (secure rounds), fetch the global model and verify its hash and the
/// aggregator's signature, run the local work, protect the delta as the round asks, report metrics, then upload it or
/// contribute it masked; or decline, saying why. The resident <see cref="SiteAgent"/> and a simulator's virtual sites
/// both run their rounds here.
/// </summary>
/// <param name="sitesInProcess">what this site shares with the other sites of its process (a simulator's); null for a deployed site.</param>
public sealed class SiteRound(AggregatorConnection connection, ResiliencePipeline retry, ILogger logger, SiteProtectionPolicy protection,
    ModelVersionFloor versionFloor, long maxModelBytes, SiteRoundHooks? hooks = null, SitesInProcess? sitesInProcess = null)
{
    private readonly SiteRoundHooks _hooks = hooks ?? new SiteRoundHooks();
    private (long Version, ByteString Sha256, ModelState Model)? _global;

    private string SiteId => connection.SiteId;

    public async Task<SiteRoundOutcome> RunAsync(RoundTask task, ModelSignatureVerifier modelVerifier, ILocalWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(work);
        string? refusal = protection.RefusalOf(task) ?? versionFloor.RefusalOf(task.ModelVersion, task.ModelSha256.Span);
        if (refusal is not null)
        {
            await DeclineAsync(task, refusal, cancellationToken);
            return SiteRoundOutcome.Declined;
        }
        // A secure round's key stages run in the background while the site downloads and trains.
        (SecAggParticipant? started, string? secureRefusal) = StartSecureAggregation(task, cancellationToken);
        await using SecAggParticipant? secure = started;
        if (secureRefusal is not null)
        {
            await DeclineAsync(task, secureRefusal, cancellationToken);
            return SiteRoundOutcome.Declined;
        }
        await BeforeAsync(task, SiteRoundStep.Download, cancellationToken);
        (ModelState? global, string? modelRefusal) = await GetVerifiedGlobalModelAsync(task, modelVerifier, cancellationToken);
        if (global is null)
        {
            return await SitOutAsync(task, secure, modelRefusal!, cancellationToken);
        }
        if (work.Shortfall(cancellationToken) is { } shortfall)
        {
            // No round can change that: say so rather than fail in training, and the round stops waiting for this site.
            return await SitOutAsync(task, secure, shortfall, cancellationToken);
        }

        await BeforeAsync(task, SiteRoundStep.Training, cancellationToken);
        // Training that cannot finish by the deadline is wasted work: stop it there.
        using var untilDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan remaining = DateTimeOffset.FromUnixTimeMilliseconds(task.DeadlineUnixMs) - DateTimeOffset.UtcNow;
        untilDeadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        LocalUpdate local;
        try
        {
            local = await work.ComputeAsync(global, task, untilDeadline.Token);
        }
        catch (ArgumentException e)
        {
            // A model or plan this site cannot train with (no backbone it knows, settings its faces cannot meet): it sits
            // the round out and says why, rather than end the site, as a later round may well be trainable.
            return await SitOutAsync(task, secure, $"cannot train on model v{task.ModelVersion} with round {task.Round}'s plan: {e.Message}", cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Round {Round}: the deadline passed during local training; no update sent", task.Round);
            if (secure is not null)
            {
                await secure.LeaveAsync("the deadline passed during local training", cancellationToken);
            }
            return SiteRoundOutcome.TimedOut;
        }
        return await SendAsync(task, global, local, secure, cancellationToken);
    }

    private async Task<SiteRoundOutcome> SendAsync(RoundTask task, ModelState global, LocalUpdate local, SecAggParticipant? secure, CancellationToken cancellationToken)
    {
        var report = local.Report;
        if (report.LargestGradientNorm is { } largestGradient)
        {
            logger.LogInformation("Round {Round}: {Clipped} of {Steps} steps had their gradient clipped (longest {Norm:G4}, bound {Bound:G4})",
                task.Round, report.ClippedSteps, report.Steps, largestGradient, task.Training.GradientClipNorm);
        }
        ProtectedUpdate update = ProtectedUpdate.For(task, local.Delta, report.Examples);
        if (update.Clipping is { } clipping)
        {
            // The norm before clipping goes to this log only: sending it would reveal what clipping hides.
            logger.LogInformation("Round {Round}: delta norm {Norm:G4} {Action} clip norm {Clip:G4}", task.Round, clipping.NormBeforeClipping,
                clipping.WasClipped ? "clipped to the" : "within the", clipping.ClipNorm);
        }
        Federation.FederationClient client = connection.Client;
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
        await retry.ExecuteAsync(async ct => await client.ReportMetricsAsync(metrics, cancellationToken: ct), cancellationToken);
        await BeforeAsync(task, SiteRoundStep.Upload, cancellationToken);
        _hooks.Audit?.BeforeUpload(SiteId, update.Header, update.Delta);
        if (secure is not null)
        {
            SecAggEnd end = await secure.ContributeAsync(global, update, cancellationToken);
            if (end.InputIncluded)
            {
                logger.LogInformation("Round {Round}: masked update in the secure sum: {Outcome}", task.Round, end.Description);
                return SiteRoundOutcome.Accepted;
            }
            logger.LogWarning("Round {Round}: masked update not in the secure sum: {Outcome}", task.Round, end.Description);
            return SiteRoundOutcome.NotAccepted;
        }
        UploadReply verdict = await retry.ExecuteAsync(ct => ModelTransfer.UploadAsync(client, update.Header, update.Delta, ct), cancellationToken);
        if (verdict.Accepted)
        {
            logger.LogInformation("Round {Round}: update accepted ({Examples} examples, loss {Loss:F3})", task.Round, report.Examples, report.MeanLoss);
            return SiteRoundOutcome.Accepted;
        }
        // A refusal is a verdict, not a fault: log it and ask for the next task instead of resending.
        logger.LogWarning("Round {Round}: update rejected: {Code}: {Reason}", task.Round, verdict.Rejection, verdict.Reason);
        return SiteRoundOutcome.NotAccepted;
    }

    private ValueTask BeforeAsync(RoundTask task, SiteRoundStep step, CancellationToken cancellationToken) =>
        task.SecureAggregation is null && _hooks.Steps is { } steps ? steps.BeforeStepAsync(SiteId, task.Round, step, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>The site's part in a secure round, its key stages started; no participant for a plain round, or why the site refuses a secure one.</summary>
    private (SecAggParticipant? Participant, string? Refusal) StartSecureAggregation(RoundTask task, CancellationToken cancellationToken)
    {
        if (task.SecureAggregation is null)
        {
            return (null, null);
        }
        try
        {
            return (SecAggParticipant.Start(task, connection, retry, logger, _hooks.SecureStages, maskingTurns: sitesInProcess?.Turns,
                cancellationToken: cancellationToken), null);
        }
        catch (Core.SecureAggregation.SecAggProtocolException e)
        {
            return (null, $"the secure round's terms are unacceptable: {e.Message}");
        }
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
        if (sitesInProcess is not null)
        {
            await sitesInProcess.Turns.WaitAsync(cancellationToken);
        }
        try
        {
            downloaded = await retry.ExecuteAsync(ct => ModelTransfer.DownloadAsync(connection.Client, task, maxModelBytes, modelVerifier, ct),
                cancellationToken);
        }
        catch (ModelSignatureException refused)
        {
            ModelSignatureCheck check = refused.Check;
            return (null, $"model v{task.ModelVersion} failed its signature check ({check.Failure}): {check.Reason}");
        }
        finally
        {
            sitesInProcess?.Turns.Release();
        }
        // The task's claims were checked against the floor before the download; the signed ones are what the floor keeps.
        ModelSignature signed = downloaded.Signature;
        if (versionFloor.RefusalOf(signed.ModelVersion, signed.ModelSha256) is { } rollback)
        {
            return (null, rollback);
        }
        versionFloor.Accept(signed.ModelVersion, signed.Round, signed.ModelSha256);
        ModelState model = sitesInProcess?.Share(task.ModelVersion, task.ModelSha256, downloaded.Model) ?? downloaded.Model;
        _global = (task.ModelVersion, task.ModelSha256, model);
        logger.LogInformation("Downloaded model v{Version} ({Megabytes:F1} MB, sha256 and the aggregator's signature verified) in {Seconds:F2}s",
            task.ModelVersion, model.DataBytes / 1e6, clock.Elapsed.TotalSeconds);
        return (model, null);
    }

    /// <summary>Declines a round the site already took up; a secure round's stages are told too, or they would wait for it until their deadlines.</summary>
    private async Task<SiteRoundOutcome> SitOutAsync(RoundTask task, SecAggParticipant? secure, string reason, CancellationToken cancellationToken)
    {
        await DeclineAsync(task, reason, cancellationToken);
        if (secure is not null)
        {
            await secure.LeaveAsync(reason, cancellationToken);
        }
        return SiteRoundOutcome.Declined;
    }

    /// <summary>
    /// The site sits the round out: it does not train and sends no update, but tells the aggregator why, so the round
    /// stops waiting for it.
    /// </summary>
    private async Task DeclineAsync(RoundTask task, string reason, CancellationToken cancellationToken)
    {
        logger.LogWarning("Refusing round {Round}: {Reason}; not training in it", task.Round, reason);
        try
        {
            DeclineRoundReply reply = await retry.ExecuteAsync(async ct => await connection.Client.DeclineRoundAsync(
                new DeclineRoundRequest { ProtocolVersion = WireProtocol.Version, Round = task.Round, Reason = reason }, cancellationToken: ct), cancellationToken);
            if (!reply.Recorded)
            {
                logger.LogInformation("Round {Round}: the aggregator did not record the decline: {Reason}", task.Round, reply.Reason);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Telling is a courtesy: the round's deadline covers a site whose decline never arrives.
            logger.LogWarning("Round {Round}: could not tell the aggregator of the decline: {Status}: {Detail}", task.Round, e.StatusCode, e.Status.Detail);
        }
    }
}

/// <summary>Optional observers of a site's round: the upload audit, the secure stages' observer and the plain steps' observer.</summary>
public sealed record SiteRoundHooks(IUploadAudit? Audit = null, ISecAggStageObserver? SecureStages = null, ISiteRoundObserver? Steps = null);
