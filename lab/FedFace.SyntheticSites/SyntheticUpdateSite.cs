using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Simulation;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FedFace.SyntheticSites;

/// <summary>What one site's run came to.</summary>
public sealed record SiteTally(bool Joined, int RoundsTaken, int Accepted, IReadOnlyDictionary<string, int> Rejections, int FailedCalls);

/// <summary>
/// A site that does not train: its own certificate and HTTP/2 connection (<see cref="AggregatorConnection"/>), the real calls
/// in the edge client's order (join, get task, download the signed model, upload the round's protected delta), with a
/// delta from <see cref="SyntheticUpdates"/>. Every call is timed into <see cref="CallTimings"/>; a failed call is counted
/// and the site carries on, so a load run reports faults instead of hiding them behind retries. Only joining retries
/// transient faults, through the edge client's pipeline (<see cref="TransientFaults"/>): a thousand sites connecting at once
/// is exactly when a handshake may time out, and a real site would try again.
/// </summary>
public sealed class SyntheticUpdateSite : IDisposable
{
    private readonly AggregatorConnection _connection;
    private readonly SyntheticUpdates _updates;
    private readonly CallTimings _timings;
    private readonly Polly.ResiliencePipeline _joinRetry;
    private readonly Dictionary<string, int> _rejections = new(StringComparer.Ordinal);
    private ModelSignatureVerifier? _verifier;
    private int _roundsTaken, _accepted, _failedCalls;

    public SyntheticUpdateSite(AggregatorEndpoint endpoint, ILoggerFactory loggers, SyntheticUpdates updates, CallTimings timings, long exampleCount = 100)
    {
        _connection = new AggregatorConnection(endpoint, loggers);
        _updates = updates;
        _timings = timings;
        _joinRetry = TransientFaults.CreatePipeline(new RetrySettings(BaseDelayMilliseconds: 500, MaxDelayMilliseconds: 5_000, GiveUpAfter: TimeSpan.FromMinutes(5)),
            loggers.CreateLogger($"FedFace.SyntheticSite.{SiteId}"));
        ExampleCount = exampleCount;
    }

    public string SiteId => _connection.SiteId;

    public long ExampleCount { get; }

    /// <summary>The raw client, for hand-made streams (the load benchmark's attackers).</summary>
    public Federation.FederationClient Client => _connection.Client;

    /// <summary>Larger than any model a run sends: the download's bound on what an aggregator can make the site hold.</summary>
    public long MaxModelBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Joins, retrying transient faults as the edge client does: each attempt is timed (<see cref="SiteCall.Join"/>, failures
    /// counted), and the time until joined is recorded as <see cref="Joined"/>, or as <see cref="GaveUp"/> when it never joined.
    /// </summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            JoinReply reply = await _joinRetry.ExecuteAsync(async ct => await TimedAsync(SiteCall.Join, () => Client.JoinAsync(
                new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "synthetic-site/1" }, cancellationToken: ct).ResponseAsync), cancellationToken);
            _verifier = _connection.ModelVerifier(reply.FederationName);
            _timings.Record(Joined, Stopwatch.GetElapsedTime(start));
        }
        catch (Exception e) when (IsCallFault(e))
        {
            _timings.Record(GaveUp, Stopwatch.GetElapsedTime(start));
            throw;
        }
    }

    /// <summary>The timing name of the time from a site's first join attempt until it joined.</summary>
    public const string Joined = "Joined";

    /// <summary>The timing name of the time from a site's first join attempt until it gave up joining.</summary>
    public const string GaveUp = "JoinGaveUp";

    /// <summary>Asks for work, honouring "wait", until a task comes (returned) or the federation finished (null).</summary>
    public async Task<RoundTask?> NextTaskAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskReply? reply = await TryAsync(SiteCall.GetTask, () => Client.GetTaskAsync(
                new TaskRequest { ProtocolVersion = WireProtocol.Version }, cancellationToken: cancellationToken).ResponseAsync);
            switch (reply?.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Task:
                    return reply.Task;
                case TaskReply.OutcomeOneofCase.Finished:
                    return null;
                default:
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(100, reply?.Wait?.RetryAfterMs ?? 1000)), cancellationToken);
                    break;
            }
        }
    }

    /// <summary>The round's global model, its signature and hash checked as the edge client checks them.</summary>
    public async Task<ModelState> DownloadAsync(RoundTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ModelSignatureVerifier verifier = _verifier ?? throw new InvalidOperationException($"{SiteId} downloads before it joined");
        DownloadedModel downloaded = await TimedAsync(SiteCall.Download,
            async () => await ModelTransfer.DownloadAsync(Client, task, MaxModelBytes, verifier, cancellationToken));
        return downloaded.Model;
    }

    public ModelState DeltaFor(RoundTask task, ModelState global) => _updates.For(SiteId, task.Round, global);

    /// <summary>Protects the delta as the round asks (as the edge client does) and uploads it; returns the verdict.</summary>
    public async Task<UploadReply> UploadAsync(RoundTask task, ModelState delta, CancellationToken cancellationToken)
    {
        ProtectedUpdate update = ProtectedUpdate.For(task, delta, ExampleCount);
        return await TimedAsync(SiteCall.Upload, async () => await ModelTransfer.UploadAsync(Client, update.Header, update.Delta, cancellationToken));
    }

    /// <summary>One round as a site does it: download, delta, upload. A failed call is counted, not thrown.</summary>
    public async Task TakePartAsync(RoundTask task, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _roundsTaken);
        try
        {
            ModelState global = await DownloadAsync(task, cancellationToken);
            UploadReply reply = await UploadAsync(task, DeltaFor(task, global), cancellationToken);
            if (reply.Accepted)
            {
                Interlocked.Increment(ref _accepted);
            }
            else
            {
                lock (_rejections)
                {
                    _rejections[reply.Rejection.ToString()] = _rejections.GetValueOrDefault(reply.Rejection.ToString()) + 1;
                }
            }
        }
        catch (Exception e) when (IsCallFault(e))
        {
            // Counted by TimedAsync (unless the run was ending); the next task is another chance.
        }
    }

    /// <summary>Joins, then takes part in every round it is given until the federation finishes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task<SiteTally> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await JoinAsync(cancellationToken);
            while (await NextTaskAsync(cancellationToken) is { } task)
            {
                await TakePartAsync(task, cancellationToken);
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && (e is OperationCanceledException || IsCallFault(e)))
        {
            // the run is over: a call it cut may end in any of these
        }
        catch (Exception e) when (_verifier is null && IsCallFault(e))
        {
            // It never joined: counted as GaveUp, and the tally says so.
        }
        return Tally();
    }

    public SiteTally Tally()
    {
        lock (_rejections)
        {
            return new SiteTally(_verifier is not null, _roundsTaken, _accepted, new Dictionary<string, int>(_rejections, StringComparer.Ordinal), _failedCalls);
        }
    }

    private async Task<T?> TryAsync<T>(SiteCall call, Func<Task<T>> send) where T : class
    {
        try
        {
            return await TimedAsync(call, send);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            return null; // counted; asking again is the edge client's answer too
        }
    }

    private async Task<T> TimedAsync<T>(SiteCall call, Func<Task<T>> send)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            T result = await send();
            _timings.Record(call, Stopwatch.GetElapsedTime(start));
            return result;
        }
        catch (Exception e) when (IsCallFault(e) && !(e is RpcException { StatusCode: StatusCode.Cancelled }))
        {
            Interlocked.Increment(ref _failedCalls);
            _timings.Failed(call);
            throw;
        }
    }

    private static bool IsCallFault(Exception e) => e is RpcException or InvalidDataException or ModelSignatureException or IOException;

    public void Dispose() => _connection.Dispose();
}
