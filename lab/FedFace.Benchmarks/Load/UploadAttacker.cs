using System.Collections.Concurrent;
using System.Diagnostics;
using FedFace.Core;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.SyntheticSites;
using FedFace.Transport;
using Google.Protobuf;
using Grpc.Core;

namespace FedFace.Benchmarks.Load;

/// <summary>The two attacks on upload streams.</summary>
public enum UploadAttack
{
    /// <summary>Open streams, send a valid header and one 64 KiB chunk of a 4.8 MB update, then send nothing more.</summary>
    HeldOpen,
    /// <summary>Open a stream, send a valid header, then 1 KiB at a time, each just inside the chunk timeout.</summary>
    SlowSender,
}

/// <summary>How one attacking stream ended: the aggregator's status or verdict, its message, how long it was held and what it carried.</summary>
public sealed record StreamEnd(string Outcome, string Message, double HeldSeconds, long BytesSent);

/// <summary>
/// A sampled site that attacks the upload path instead of answering: every time it is given a task it opens
/// <paramref name="streams"/> streams at once (one more than the per-site limit shows the refusal) and holds them, held-open or
/// trickling, until the aggregator ends each; then it asks for work again, and attacks again while its round is open.
/// </summary>
public sealed class UploadAttacker(SyntheticUpdateSite site, UploadAttack attack, int streams, TimeSpan trickleInterval)
{
    private const int TrickleBytes = 1024;

    private int _opened;

    public ConcurrentQueue<StreamEnd> Ends { get; } = new();

    /// <summary>Streams this attacker opened (those still held when the run stopped have no end).</summary>
    public int Opened => Volatile.Read(ref _opened);

    public string SiteId => site.SiteId;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await site.JoinAsync(cancellationToken);
            while (await site.NextTaskAsync(cancellationToken) is { } task)
            {
                try
                {
                    ModelState global = await site.DownloadAsync(task, cancellationToken);
                    UpdateHeader header = ModelTransfer.HeaderFor(task, site.DeltaFor(task, global), site.ExampleCount);
                    await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => HoldAsync(header, cancellationToken)));
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or IOException or InvalidDataException)
                {
                    // a download the loaded aggregator dropped (counted by the site): the next task is another chance
                }
                await Task.Delay(200, cancellationToken); // a refused attacker does not spin
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // the run is over: a call it cut may end in any fault
        }
    }

    private async Task HoldAsync(UpdateHeader header, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        long sent = 0;
        Interlocked.Increment(ref _opened);
        using AsyncClientStreamingCall<UpdateChunk, UploadReply> call = site.Client.UploadUpdate(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new UpdateChunk { Header = header }, cancellationToken);
            if (attack == UploadAttack.HeldOpen)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Data = ByteString.CopyFrom(new byte[TensorWire.DefaultChunkBytes]) }, cancellationToken);
                sent += TensorWire.DefaultChunkBytes;
            }
            else
            {
                while (!call.ResponseAsync.IsCompleted && sent + TrickleBytes <= header.DataBytes)
                {
                    await call.RequestStream.WriteAsync(new UpdateChunk { Data = ByteString.CopyFrom(new byte[TrickleBytes]) }, cancellationToken);
                    sent += TrickleBytes;
                    await Task.WhenAny(call.ResponseAsync, Task.Delay(trickleInterval, cancellationToken));
                }
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // The aggregator ended the stream while we wrote: its answer says why.
        }
        StreamEnd? end = await EndOfAsync(call, start, sent);
        if (end is not null)
        {
            Ends.Enqueue(end);
        }
    }

    /// <summary>The aggregator's answer to the stream; null when the run itself ended it.</summary>
    private static async Task<StreamEnd?> EndOfAsync(AsyncClientStreamingCall<UpdateChunk, UploadReply> call, long start, long sent)
    {
        try
        {
            UploadReply reply = await call.ResponseAsync;
            return new StreamEnd(reply.Accepted ? "accepted" : $"rejected {reply.Rejection}", reply.Reason, Stopwatch.GetElapsedTime(start).TotalSeconds, sent);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            return new StreamEnd($"status {e.StatusCode}", e.Status.Detail, Stopwatch.GetElapsedTime(start).TotalSeconds, sent);
        }
        catch (RpcException)
        {
            return null;
        }
    }
}
