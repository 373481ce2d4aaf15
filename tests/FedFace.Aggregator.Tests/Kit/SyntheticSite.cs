using System.Collections.Concurrent;
using FedFace.Certs;
using FedFace.Core;
using FedFace.Core.SecureAggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>What a site uploaded and what the aggregator answered.</summary>
public sealed record SentUpdate(string SiteId, UpdateHeader Header, ModelState Delta, UploadReply Reply);

/// <summary>A model download as it came over the wire: header, data chunk sizes and the assembled tensors.</summary>
public sealed record Download(ModelHeader Header, IReadOnlyList<int> DataChunkBytes, ModelState Model);

/// <summary>
/// A site without faces or training: it talks to the aggregator exactly as the edge client does (its
/// certificate over <see cref="AggregatorConnection"/>, Polly retries on transient faults, hash-checked
/// download, the round's protection (<see cref="ProtectedUpdate"/>), chunked upload) but its delta is
/// deterministic per site and round, so tests can recompute the aggregate. Also sends hand-made update
/// streams for the malformed cases.
/// </summary>
public sealed class SyntheticSite : IDisposable
{
    public const uint Protocol = 1;

    private readonly AggregatorConnection _connection;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;

    public SyntheticSite(string siteId, PkiLayout pki, Uri aggregator, ILoggerFactory loggers, long exampleCount, RetrySettings? retry = null)
        : this(new AggregatorEndpoint(aggregator.ToString(), pki.SiteCertificate(siteId), pki.SiteKey(siteId), pki.CaCertificate), loggers, exampleCount, retry)
    {
    }

    /// <summary>A site whose credentials and aggregator come from elsewhere (a startup kit, say).</summary>
    public SyntheticSite(AggregatorEndpoint endpoint, ILoggerFactory loggers, long exampleCount, RetrySettings? retry = null)
    {
        _connection = new AggregatorConnection(endpoint, loggers);
        _logger = loggers.CreateLogger($"FedFace.Site.{_connection.SiteId}");
        _retry = TransientFaults.CreatePipeline(retry ?? new RetrySettings(BaseDelayMilliseconds: 100, MaxDelayMilliseconds: 500), _logger);
        ExampleCount = exampleCount;
    }

    public string SiteId => _connection.SiteId;

    /// <summary>The FedAvg weight this site reports.</summary>
    public long ExampleCount { get; }

    public Federation.FederationClient Client => _connection.Client;

    /// <summary>The secure-aggregation stages, for hand-made messages.</summary>
    public SecAggStages.SecAggStagesClient SecAgg => _connection.SecAgg;

    /// <summary>Every upload that got an answer, in order.</summary>
    public ConcurrentQueue<SentUpdate> Sent { get; } = new();

    /// <summary>Called in <see cref="RunUntilFinishedAsync"/> after the delta is made and before it is sent (tests crash the aggregator here).</summary>
    public Func<RoundTask, Task>? BeforeUpload { get; set; }

    /// <summary>Why the federation finished, once <see cref="RunUntilFinishedAsync"/> was told so.</summary>
    public string? FinishReason { get; private set; }

    /// <summary>The faces this site says it trains on when it joins (0: it does not say).</summary>
    public ulong DeclaredFaces { get; init; }

    public async Task<JoinReply> JoinAsync(CancellationToken cancellationToken = default) =>
        await _retry.ExecuteAsync(async ct => await Client.JoinAsync(
            new JoinRequest { ProtocolVersion = Protocol, ClientVersion = "synthetic-site/1", DeclaredFaces = DeclaredFaces }, cancellationToken: ct), cancellationToken);

    /// <summary>Asks for work until a task for round <paramref name="minRound"/> or later comes, honouring "wait".</summary>
    public async Task<RoundTask> NextTaskAsync(long minRound = 1, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Eventually.Patience);
        string lastAnswer = "";
        try
        {
            while (true)
            {
                TaskReply reply = await _retry.ExecuteAsync(async ct => await Client.GetTaskAsync(
                    new TaskRequest { ProtocolVersion = Protocol }, cancellationToken: ct), timeout.Token);
                switch (reply.OutcomeCase)
                {
                    case TaskReply.OutcomeOneofCase.Task when reply.Task.Round >= minRound:
                        return reply.Task;
                    case TaskReply.OutcomeOneofCase.Finished:
                        throw new InvalidOperationException($"{SiteId} wanted round {minRound} but the federation finished: {reply.Finished.Reason}");
                    default:
                        lastAnswer = reply.ToString();
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(20, reply.Wait?.RetryAfterMs ?? 100)), timeout.Token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{SiteId} got no task for round {minRound} within {Eventually.Patience.TotalSeconds:F0}s; last answer {lastAnswer}");
        }
    }

    /// <summary>Downloads model <paramref name="version"/> (one attempt) and checks it against the hash in its header.</summary>
    public async Task<Download> DownloadAsync(long version, CancellationToken cancellationToken = default)
    {
        using AsyncServerStreamingCall<ModelChunk> call = Client.DownloadModel(
            new DownloadModelRequest { ProtocolVersion = Protocol, ModelVersion = version }, cancellationToken: cancellationToken);
        IAsyncStreamReader<ModelChunk> stream = call.ResponseStream;
        if (!await stream.MoveNext(cancellationToken) || stream.Current.PartCase != ModelChunk.PartOneofCase.Header)
        {
            throw new InvalidDataException($"download of v{version} did not start with a header");
        }
        ModelHeader header = stream.Current.Header;
        var assembler = new TensorAssembler(header.Tensors);
        var chunks = new List<int>();
        while (await stream.MoveNext(cancellationToken))
        {
            if (stream.Current.PartCase != ModelChunk.PartOneofCase.Data)
            {
                throw new InvalidDataException("a second header arrived in the middle of the model data");
            }
            chunks.Add(stream.Current.Data.Length);
            assembler.Append(stream.Current.Data.Span);
        }
        ModelState model = assembler.Complete();
        if (!model.ComputeSha256().AsSpan().SequenceEqual(header.Sha256.Span))
        {
            throw new InvalidDataException($"model v{header.ModelVersion} does not match the SHA-256 in its header");
        }
        return new Download(header, chunks, model);
    }

    /// <summary>The round's global model, downloaded with retries and checked against the hash the task announced.</summary>
    public async Task<ModelState> DownloadForAsync(RoundTask task, CancellationToken cancellationToken = default)
    {
        Download download = await _retry.ExecuteAsync(async ct => await DownloadAsync(task.ModelVersion, ct), cancellationToken);
        if (download.Header.ModelVersion != task.ModelVersion || !download.Header.Sha256.Equals(task.ModelSha256))
        {
            throw new InvalidDataException($"round {task.Round} announced v{task.ModelVersion} {Convert.ToHexStringLower(task.ModelSha256.Span)}, "
                + $"the download was v{download.Header.ModelVersion} {Convert.ToHexStringLower(download.Header.Sha256.Span)}");
        }
        return download.Model;
    }

    /// <summary>This site's deterministic delta for a round (see <see cref="TestModels.DeltaFor"/>).</summary>
    public ModelState DeltaFor(long round, ModelState global) => TestModels.DeltaFor(SiteId, round, global);

    /// <summary>The header a well-behaved site sends with <paramref name="delta"/> in a round without differential privacy.</summary>
    public UpdateHeader HeaderFor(RoundTask task, ModelState delta) => ModelTransfer.HeaderFor(task, delta, ExampleCount);

    /// <summary>Uploads through the retry pipeline, as the edge client does, and records the answer.</summary>
    public async Task<UploadReply> UploadAsync(UpdateHeader header, ModelState delta, CancellationToken cancellationToken = default)
    {
        UploadReply reply = await _retry.ExecuteAsync(async ct => await SendAsync(header, TensorWire.DataChunks(delta), ct), cancellationToken);
        Sent.Enqueue(new SentUpdate(SiteId, header.Clone(), delta.Clone(), reply));
        if (!reply.Accepted)
        {
            _logger.LogWarning("Round {Round}: update rejected: {Code}: {Reason}", header.Round, reply.Rejection, reply.Reason);
        }
        return reply;
    }

    /// <summary>One update stream exactly as given (no retry): for hand-crafted, malformed uploads.</summary>
    /// <param name="header">Sent first unless null.</param>
    /// <param name="data">The data chunks that follow.</param>
    public async Task<UploadReply> SendAsync(UpdateHeader? header, IEnumerable<ByteString> data, CancellationToken cancellationToken = default)
    {
        using AsyncClientStreamingCall<UpdateChunk, UploadReply> call = Client.UploadUpdate(cancellationToken: cancellationToken);
        try
        {
            if (header is not null)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = header }, cancellationToken);
            }
            foreach (ByteString chunk in data)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Data = chunk }, cancellationToken);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // The aggregator answered before reading everything (it refused the header), or the transport
            // failed; either way the response says which.
        }
        return await call.ResponseAsync;
    }

    /// <summary>One whole round as a site does it: task, download (hash-checked), delta, metrics, protection, upload.</summary>
    public async Task<(RoundTask Task, UploadReply Reply)> TakePartAsync(long minRound = 1, CancellationToken cancellationToken = default)
    {
        RoundTask task = await NextTaskAsync(minRound, cancellationToken);
        ModelState global = await DownloadForAsync(task, cancellationToken);
        await ReportMetricsAsync(task, cancellationToken);
        UploadReply reply = await UploadProtectedAsync(task, DeltaFor(task.Round, global), cancellationToken);
        return (task, reply);
    }

    /// <summary>Protects <paramref name="delta"/> as the round task asks, as the edge client does, and uploads it.</summary>
    private async Task<UploadReply> UploadProtectedAsync(RoundTask task, ModelState delta, CancellationToken cancellationToken)
    {
        ProtectedUpdate update = ProtectedUpdate.For(task, delta, ExampleCount);
        return await UploadAsync(update.Header, update.Delta, cancellationToken);
    }

    /// <summary>This site's part in a secure round, its key stages started, as the edge client does on getting the task.</summary>
    public SecAggParticipant JoinSecureRound(RoundTask task, ISecAggStageObserver? observer = null, SemaphoreSlim? maskingTurns = null,
        CancellationToken cancellationToken = default) =>
        SecAggParticipant.Start(task, _connection, _retry, _logger, observer, new MaskExpander(1), maskingTurns, cancellationToken);

    /// <summary>One whole secure round as a site does it: task, key stages, download, delta, metrics, masked input, unmasking.</summary>
    public async Task<(RoundTask Task, SecAggEnd End)> TakePartSecurelyAsync(long minRound = 1, ISecAggStageObserver? observer = null,
        SemaphoreSlim? maskingTurns = null, CancellationToken cancellationToken = default)
    {
        RoundTask task = await NextTaskAsync(minRound, cancellationToken);
        await using SecAggParticipant participant = JoinSecureRound(task, observer, maskingTurns, cancellationToken);
        ModelState global = await DownloadForAsync(task, cancellationToken);
        await ReportMetricsAsync(task, cancellationToken);
        SecAggEnd end = await participant.ContributeAsync(global, ProtectedUpdate.For(task, DeltaFor(task.Round, global), ExampleCount), cancellationToken);
        return (task, end);
    }

    /// <summary>The mean loss this site reports for every round (so tests can check the example-weighted mean).</summary>
    public double ReportedLoss => 1.0 + TestModels.StableSeed(SiteId) % 100 / 100.0;

    /// <summary>The training accuracy this site reports for every round.</summary>
    public double ReportedAccuracy => 0.5 + TestModels.StableSeed(SiteId) % 40 / 100.0;

    private async Task ReportMetricsAsync(RoundTask task, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await Client.ReportMetricsAsync(new RoundMetrics
        {
            ProtocolVersion = Protocol,
            Round = task.Round,
            ExampleCount = ExampleCount,
            MeanLoss = ReportedLoss,
            Accuracy = ReportedAccuracy,
            TrainSeconds = 0.01,
            Steps = 1,
        }, cancellationToken: ct), cancellationToken);

    /// <summary>
    /// The edge client's loop with nobody steering: join, then ask for work, do each task, and go on after
    /// a rejection, until the federation says it is finished. Returns the number of accepted updates.
    /// </summary>
    public async Task<int> RunUntilFinishedAsync(CancellationToken cancellationToken)
    {
        await JoinAsync(cancellationToken);
        int accepted = 0;
        while (true)
        {
            TaskReply reply = await _retry.ExecuteAsync(async ct => await Client.GetTaskAsync(
                new TaskRequest { ProtocolVersion = Protocol }, cancellationToken: ct), cancellationToken);
            switch (reply.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Finished:
                    FinishReason = reply.Finished.Reason;
                    _logger.LogInformation("Federation finished at v{Version}: {Reason}", reply.Finished.FinalModelVersion, reply.Finished.Reason);
                    return accepted;
                case TaskReply.OutcomeOneofCase.Task:
                    RoundTask task = reply.Task;
                    ModelState global = await DownloadForAsync(task, cancellationToken);
                    ModelState delta = DeltaFor(task.Round, global);
                    if (BeforeUpload is { } hook)
                    {
                        await hook(task);
                    }
                    UploadReply verdict = await UploadProtectedAsync(task, delta, cancellationToken);
                    if (verdict.Accepted)
                    {
                        accepted++;
                        _logger.LogInformation("Round {Round}: update accepted", task.Round);
                    }
                    break;
                default:
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(20, reply.Wait?.RetryAfterMs ?? 100)), cancellationToken);
                    break;
            }
        }
    }

    public void Dispose() => _connection.Dispose();
}
