using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Upload streams a site opens and never finishes, over the real wire: they cannot exhaust the aggregator. Each site holds
/// few, they buffer only what arrived, and none outlives its round or a silence longer than the chunk timeout.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class HeldUploadTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>An aggregator with one open round, and site-01 holding its task and the global model.</summary>
    private sealed record OpenRound(RunningAggregator Aggregator, SyntheticSite Site, RoundTask Task, ModelState Global) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Site.Dispose();
            await Aggregator.DisposeAsync();
        }
    }

    /// <param name="secure">null: plain rounds.</param>
    private async Task<OpenRound> StartAsync(CapturedLog log, string name, int deadlineSeconds, double chunkTimeoutSeconds, SecureAggregationOptions? secure = null)
    {
        RunningAggregator aggregator = await StartAggregatorAsync(log, name, deadlineSeconds, chunkTimeoutSeconds, secure);
        var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 10);
        RoundTask task = await site.NextTaskAsync().WaitAsync(Eventually.Patience);
        ModelState global = (await site.DownloadAsync(task.ModelVersion).WaitAsync(Eventually.Patience)).Model;
        return new OpenRound(aggregator, site, task, global);
    }

    private async Task<RunningAggregator> StartAggregatorAsync(CapturedLog log, string name, int deadlineSeconds, double chunkTimeoutSeconds,
        SecureAggregationOptions? secure = null)
    {
        string workspace = federation.Workspace(name);
        return await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Large(seed: 31)))
            {
                // A secure round needs three sites.
                MinSites = secure is null ? 2 : 3,
                TotalRounds = 1,
                RoundDeadlineSeconds = deadlineSeconds,
                PreJoinedSites = TestFederation.SiteIds[..(secure is null ? 2 : 3)],
                MaxUploadsPerSite = 2,
                UploadChunkTimeoutSeconds = chunkTimeoutSeconds,
                SecureAggregation = secure,
            }, log);
    }

    /// <summary>An upload that sends a valid header for the whole model (4.8 MB declared), then <paramref name="data"/>, and holds.</summary>
    private static Task<AsyncClientStreamingCall<UpdateChunk, UploadReply>> HoldAsync(SyntheticSite site, RoundTask task, ModelState global,
        ByteString? data = null, CancellationToken cancellationToken = default) =>
        HoldOpenAsync(site.Client.UploadUpdate(cancellationToken: cancellationToken),
            [new UpdateChunk { Header = ModelTransfer.HeaderFor(task, global, exampleCount: 10) }, .. data is null ? [] : new[] { new UpdateChunk { Data = data } }]);

    /// <summary>Sends <paramref name="chunks"/> on <paramref name="call"/> and leaves it open.</summary>
    private static async Task<AsyncClientStreamingCall<TChunk, TReply>> HoldOpenAsync<TChunk, TReply>(AsyncClientStreamingCall<TChunk, TReply> call,
        IEnumerable<TChunk> chunks)
    {
        try
        {
            foreach (TChunk chunk in chunks)
            {
                await call.RequestStream.WriteAsync(chunk);
            }
        }
        catch (RpcException)
        {
            // The aggregator answered at once (it refused the stream): the response says why.
        }
        return call;
    }

    /// <summary>Opens site-01's streams up to its limit, each with 64 KiB of data, and waits until the aggregator holds them, buffering that much each.</summary>
    private static async Task HoldUpToTheLimitAsync<TCall>(RunningAggregator aggregator, List<TCall> held, Func<ByteString, Task<TCall>> hold)
    {
        for (int i = 1; i <= aggregator.Setup.MaxUploadsPerSite; i++)
        {
            held.Add(await hold(ByteString.CopyFrom(new byte[TensorWire.DefaultChunkBytes])));
            int expected = i;
            await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == expected, Eventually.Patience,
                () => $"{aggregator.Uploads.OpenCount} upload streams open, expected {expected}");
        }
        await Eventually.TrueAsync(() => aggregator.Uploads.BufferedBytes == held.Count * TensorWire.DefaultChunkBytes, Eventually.Patience,
            () => $"{aggregator.Uploads.BufferedBytes} bytes buffered for {held.Count} streams of 64 KiB each");
    }

    private static async Task AssertRefusedBeyondTheLimitAsync(Task response)
    {
        RpcException error = await Assert.ThrowsAsync<RpcException>(() => response.WaitAsync(Eventually.Patience));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("site site-01 already has 2 upload streams open", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_uploads_beyond_the_per_site_limit_are_refused_buffer_only_what_arrived_and_end_with_a_status_when_the_round_closes()
    {
        var log = new CapturedLog(output);
        await using OpenRound open = await StartAsync(log, "held", deadlineSeconds: 5, chunkTimeoutSeconds: 60);
        (RunningAggregator aggregator, SyntheticSite site, RoundTask task, ModelState global) = open;
        var held = new List<AsyncClientStreamingCall<UpdateChunk, UploadReply>>();
        try
        {
            // Two streams within the limit, each with 64 KiB of its 4.8 MB: they are held, buffering about what arrived.
            await HoldUpToTheLimitAsync(aggregator, held, data => HoldAsync(site, task, global, data));

            // Beyond the limit: refused at once with a status that says why.
            for (int i = 0; i < 3; i++)
            {
                using AsyncClientStreamingCall<UpdateChunk, UploadReply> refused = await HoldAsync(site, task, global);
                await AssertRefusedBeyondTheLimitAsync(refused.ResponseAsync);
            }
            Assert.Equal(2, aggregator.Uploads.OpenCount);
            Assert.Equal(2 * TensorWire.DefaultChunkBytes, aggregator.Uploads.BufferedBytes);

            // The round reaches its deadline (site-02 never answers): the held streams end with the round, their memory given back.
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
            Assert.False(finished.Summary.Committed, finished.Summary.Outcome);
            foreach (AsyncClientStreamingCall<UpdateChunk, UploadReply> call in held)
            {
                UploadReply reply = await call.ResponseAsync.WaitAsync(Eventually.Patience);
                Assert.False(reply.Accepted);
                Assert.Equal(RejectionCode.DeadlinePassed, reply.Rejection);
                Assert.Equal("round 1 closed before the upload's data was complete", reply.Reason);
            }
            await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 0 && aggregator.Uploads.BufferedBytes == 0, Eventually.Patience,
                () => $"{aggregator.Uploads.OpenCount} streams still open holding {aggregator.Uploads.BufferedBytes} bytes");
        }
        finally
        {
            held.ForEach(call => call.Dispose());
        }
    }

    [Fact]
    public async Task An_upload_that_goes_silent_is_cut_after_the_chunk_timeout_and_a_cancelled_one_logs_one_line_without_a_stack_trace()
    {
        var log = new CapturedLog(output);
        await using OpenRound open = await StartAsync(log, "silent", deadlineSeconds: 60, chunkTimeoutSeconds: 1);
        (RunningAggregator aggregator, SyntheticSite site, RoundTask task, ModelState global) = open;

        using AsyncClientStreamingCall<UpdateChunk, UploadReply> silent = await HoldAsync(site, task, global);
        RpcException cut = await Assert.ThrowsAsync<RpcException>(() => silent.ResponseAsync.WaitAsync(Eventually.Patience));
        Assert.Equal(StatusCode.DeadlineExceeded, cut.StatusCode);
        Assert.Equal("upload cut: no data arrived for 1 s", cut.Status.Detail);

        using var leave = new CancellationTokenSource();
        using AsyncClientStreamingCall<UpdateChunk, UploadReply> cancelled = await HoldAsync(site, task, global, cancellationToken: leave.Token);
        await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 1, Eventually.Patience, () => "the second upload never opened");
        await leave.CancelAsync();
        await log.WaitForAsync("Upload from site-01 cut: the site left", Eventually.Patience, "FedFace.Aggregator");
        await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 0, Eventually.Patience, () => "the cancelled upload still holds its slot");

        Assert.Single(log.Matching("Upload from site-01 cut: no data arrived for 1 s", "FedFace.Aggregator"));
        // No stack trace on the aggregator's side, but for gRPC's own "Error reading message" inside the read it was cut in
        // (logged before the service sees the fault; appsettings.json keeps that category at Warning).
        Assert.DoesNotContain(log.Entries, e => e.Exception is not null && !e.Category.StartsWith("FedFace.Site", StringComparison.Ordinal)
            && !e.Category.StartsWith("Grpc.Net.Client", StringComparison.Ordinal) && e.Message != "Error reading message.");
    }

    /// <summary>Secure rounds (of a 60 s deadline) whose first stage stays open for the whole test: nothing but the held streams moves.</summary>
    private static SecureAggregationOptions Secure => new() { Enabled = true, AdvertiseKeysSeconds = 50, ShareKeysSeconds = 5 };

    /// <summary>A masked-input stream that sends a valid header for round <paramref name="round"/>'s largest masked input, then <paramref name="data"/>, and holds.</summary>
    internal static Task<AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt>> HoldMaskedInputAsync(SyntheticSite site, RunningAggregator aggregator,
        long round, ByteString? data = null)
    {
        long declared = aggregator.App.Services.GetRequiredService<SecureRounds>().Find(round)!.MaxMaskedInputBytes;
        var header = new SecAggMaskedInputHeader { ProtocolVersion = SyntheticSite.Protocol, Round = round, MaskedInputBytes = declared };
        return HoldOpenAsync(site.SecAgg.SecAggUploadMaskedInput(),
            [new SecAggMaskedInputChunk { Header = header }, .. data is null ? [] : new[] { new SecAggMaskedInputChunk { Data = data } }]);
    }

    [Fact]
    public async Task Held_masked_input_streams_share_the_per_site_limit_with_plain_uploads_and_buffer_only_what_arrived()
    {
        var log = new CapturedLog(output);
        await using OpenRound open = await StartAsync(log, "held-masked", deadlineSeconds: 60, chunkTimeoutSeconds: 60, Secure);
        (RunningAggregator aggregator, SyntheticSite site, RoundTask task, ModelState global) = open;
        Assert.NotNull(task.SecureAggregation);
        var held = new List<AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt>>();
        try
        {
            // Two streams within the limit, each declaring a 4.8 MB masked input and sending 64 KiB of it: they hold about what arrived.
            await HoldUpToTheLimitAsync(aggregator, held, data => HoldMaskedInputAsync(site, aggregator, task.Round, data));

            // Beyond the limit, a masked input or a plain update alike: refused at once with a status that says why.
            for (int i = 0; i < 2; i++)
            {
                using AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt> refused = await HoldMaskedInputAsync(site, aggregator, task.Round);
                await AssertRefusedBeyondTheLimitAsync(refused.ResponseAsync);
            }
            using AsyncClientStreamingCall<UpdateChunk, UploadReply> plain = await HoldAsync(site, task, global);
            await AssertRefusedBeyondTheLimitAsync(plain.ResponseAsync);
            Assert.Equal(2, aggregator.Uploads.OpenCount);
            Assert.Equal(2 * TensorWire.DefaultChunkBytes, aggregator.Uploads.BufferedBytes);
            Assert.Equal(3, log.Matching("Refused an upload stream from site-01: it already holds 2 open", "FedFace.Aggregator").Count);
        }
        finally
        {
            held.ForEach(call => call.Dispose());
        }
        await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 0 && aggregator.Uploads.BufferedBytes == 0, Eventually.Patience,
            () => $"{aggregator.Uploads.OpenCount} streams still open holding {aggregator.Uploads.BufferedBytes} bytes after the site cancelled them");
    }

    [Fact]
    public async Task A_masked_input_stream_that_sends_only_its_header_holds_no_buffer_and_is_cut_after_the_chunk_timeout()
    {
        var log = new CapturedLog(output);
        await using OpenRound open = await StartAsync(log, "silent-masked", deadlineSeconds: 60, chunkTimeoutSeconds: 3, Secure);
        (RunningAggregator aggregator, SyntheticSite site, RoundTask task, _) = open;

        using AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt> silent = await HoldMaskedInputAsync(site, aggregator, task.Round);
        await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 1, Eventually.Patience, () => "the masked-input stream never took an upload slot");
        Assert.Equal(0, aggregator.Uploads.BufferedBytes);

        RpcException cut = await Assert.ThrowsAsync<RpcException>(() => silent.ResponseAsync.WaitAsync(Eventually.Patience));
        Assert.Equal(StatusCode.DeadlineExceeded, cut.StatusCode);
        Assert.Equal("upload cut: no data arrived for 3 s", cut.Status.Detail);
        Assert.Single(log.Matching("Masked-input upload from site-01 cut: no data arrived for 3 s", "FedFace.Aggregator"));
        await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == 0, Eventually.Patience, () => "the cut stream still holds its slot");
        Assert.DoesNotContain(log.Entries, e => e.Exception is not null && e.Category.StartsWith("FedFace.Aggregator", StringComparison.Ordinal));
    }
}
