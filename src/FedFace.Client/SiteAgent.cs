using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
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
/// The edge site's work loop: join, ask for work, and take part in each round it is offered (<see cref="SiteRound"/>:
/// refuse a round weaker than the site's policy, fetch and verify the global model, train locally, protect the backbone
/// delta and send it). The ArcFace head and every face stay here; only the delta and counts leave.
/// </summary>
public sealed class SiteAgent : IDisposable
{
    /// <summary>How often a site asks again while the round it refused is still open.</summary>
    private static readonly TimeSpan s_refusedRoundPollInterval = TimeSpan.FromSeconds(1);

    private readonly AggregatorConnection _connection;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly ResidentTraining _training;
    private readonly SiteRound _round;
    private long? _refusedRound;

    /// <param name="trainingGate">Optional: lets a simulator run one site's training at a time on few cores.</param>
    /// <param name="stageObserver">Optional: told before each secure-aggregation stage (the simulator's fault injection).</param>
    public SiteAgent(SiteOptions options, Func<CancellationToken, SiteData> loadData, ILoggerFactory loggerFactory,
        SemaphoreSlim? trainingGate = null, IUploadAudit? audit = null, ISecAggStageObserver? stageObserver = null)
    {
        _connection = new AggregatorConnection(options.Endpoint, loggerFactory);
        _logger = loggerFactory.CreateLogger($"FedFace.Site.{_connection.SiteId}");
        _retry = TransientFaults.CreatePipeline(options.Retry, _logger);
        _training = new ResidentTraining(loadData, options.Seed, _logger, trainingGate);
        _round = new SiteRound(_connection, _retry, _logger, options.Protection, ModelVersionFloor.Open(options.StateDirectory), options.MaxModelBytes,
            new SiteRoundHooks(audit, stageObserver));
    }

    /// <summary>Faces aligned before the rounds: the site declares how many it holds when it joins.</summary>
    public void UseAlignedFaces(SiteData data) => _training.UseAlignedFaces(data);

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
        var join = new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "fedface-site/1", DeclaredFaces = (ulong)(_training.LoadedExamples ?? 0) };
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
                    Count(reply.Task, await _round.RunAsync(reply.Task, modelVerifier, _training, cancellationToken));
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

    private void Count(RoundTask task, SiteRoundOutcome outcome)
    {
        switch (outcome)
        {
            case SiteRoundOutcome.Accepted:
                RoundsAccepted++;
                break;
            case SiteRoundOutcome.Declined:
                _refusedRound = task.Round; // the aggregator keeps offering the round until it closes; it stays refused
                RoundsRefused++;
                break;
        }
    }

    public void Dispose()
    {
        _training.Dispose();
        _connection.Dispose();
    }
}
