using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Google.Protobuf;
using Grpc.Core;
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

    private async Task<OpenRound> StartAsync(CapturedLog log, string name, int deadlineSeconds, double chunkTimeoutSeconds)
    {
        RunningAggregator aggregator = await StartAggregatorAsync(log, name, deadlineSeconds, chunkTimeoutSeconds);
        var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 10);
        RoundTask task = await site.NextTaskAsync().WaitAsync(Eventually.Patience);
        ModelState global = (await site.DownloadAsync(task.ModelVersion).WaitAsync(Eventually.Patience)).Model;
        return new OpenRound(aggregator, site, task, global);
    }

    private async Task<RunningAggregator> StartAggregatorAsync(CapturedLog log, string name, int deadlineSeconds, double chunkTimeoutSeconds)
    {
        string workspace = federation.Workspace(name);
        return await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Large(seed: 31)))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = deadlineSeconds,
                PreJoinedSites = ["site-01", "site-02"],
                MaxUploadsPerSite = 2,
                UploadChunkTimeoutSeconds = chunkTimeoutSeconds,
            }, log);
    }

    /// <summary>An upload that sends a valid header for the whole model (4.8 MB declared), then <paramref name="data"/>, and holds.</summary>
    private static async Task<AsyncClientStreamingCall<UpdateChunk, UploadReply>> HoldAsync(SyntheticSite site, RoundTask task, ModelState global,
        ByteString? data = null, CancellationToken cancellationToken = default)
    {
        AsyncClientStreamingCall<UpdateChunk, UploadReply> call = site.Client.UploadUpdate(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new UpdateChunk { Header = ModelTransfer.HeaderFor(task, global, exampleCount: 10) });
            if (data is not null)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Data = data });
            }
        }
        catch (RpcException)
        {
            // The aggregator answered at once (it refused the stream): the response says why.
        }
        return call;
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
            for (int i = 1; i <= 2; i++)
            {
                held.Add(await HoldAsync(site, task, global, ByteString.CopyFrom(new byte[TensorWire.DefaultChunkBytes])));
                int expected = i;
                await Eventually.TrueAsync(() => aggregator.Uploads.OpenCount == expected, Eventually.Patience,
                    () => $"{aggregator.Uploads.OpenCount} upload streams open, expected {expected}");
            }
            await Eventually.TrueAsync(() => aggregator.Uploads.BufferedBytes == 2 * TensorWire.DefaultChunkBytes, Eventually.Patience,
                () => $"{aggregator.Uploads.BufferedBytes} bytes buffered for two streams of 64 KiB each");

            // Beyond the limit: refused at once with a status that says why.
            for (int i = 0; i < 3; i++)
            {
                using AsyncClientStreamingCall<UpdateChunk, UploadReply> refused = await HoldAsync(site, task, global);
                RpcException error = await Assert.ThrowsAsync<RpcException>(() => refused.ResponseAsync.WaitAsync(Eventually.Patience));
                Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
                Assert.Contains("site site-01 already has 2 upload streams open", error.Status.Detail, StringComparison.Ordinal);
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
}
