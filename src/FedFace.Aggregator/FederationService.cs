using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>Thin translation between the wire contract and the federation's domain objects: sites, tasks, uploads, declines, metrics.</summary>
public sealed class FederationService(SiteRegistry sites, TaskDispatcher tasks, CurrentModel model, PlainUploads plainUploads, RoundDeclines declines,
    SiteMetricsRecorder metrics, UploadStreams uploads, IOptions<AggregatorOptions> options, ILogger<FederationService> logger) : Federation.FederationBase
{
    public override Task<JoinReply> Join(JoinRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        string siteId = SiteIdentity.Of(context);
        sites.Join(siteId, (long)Math.Min(request.DeclaredFaces, long.MaxValue));
        return Task.FromResult(new JoinReply { SiteId = siteId, FederationName = options.Value.FederationName, ProtocolVersion = WireProtocol.Version });
    }

    public override Task<TaskReply> GetTask(TaskRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        return Task.FromResult(tasks.GetTask(SiteIdentity.Of(context)));
    }

    public override async Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        string siteId = SiteIdentity.Of(context);
        PublishedModel served = model.Find(request.ModelVersion)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"model v{request.ModelVersion} is not served; the current global model is v{model.ModelVersion}"));
        await responseStream.WriteAsync(new ModelChunk { Header = served.Header }, context.CancellationToken);
        foreach (var chunk in TensorWire.DataChunks(served.Model))
        {
            await responseStream.WriteAsync(new ModelChunk { Data = chunk }, context.CancellationToken);
        }
        logger.LogDebug("Sent model v{Version} to {Site}", request.ModelVersion, siteId);
    }

    public override async Task<UploadReply> UploadUpdate(IAsyncStreamReader<UpdateChunk> requestStream, ServerCallContext context)
    {
        string siteId = SiteIdentity.Of(context);
        using UploadStreams.Lease lease = uploads.Open(siteId);
        using var reader = new UploadReader<UpdateChunk>(requestStream, context.CancellationToken, TimeSpan.FromSeconds(options.Value.UploadChunkTimeoutSeconds));
        UpdateHeader? header = null;
        try
        {
            if (!await reader.MoveNextAsync())
            {
                return plainUploads.Reject(siteId, -1, new Rejection(RejectionCode.Malformed, "empty upload stream"));
            }
            if (reader.Current.PartCase != UpdateChunk.PartOneofCase.Header)
            {
                return plainUploads.Reject(siteId, -1, new Rejection(RejectionCode.Malformed, "upload did not start with a header"));
            }
            header = reader.Current.Header;
            if (plainUploads.IsRetryOfAcceptedUpdate(siteId, header))
            {
                logger.LogInformation("Round {Round}: {Site} sent its accepted update again (its reply was lost); answered, not folded twice", header.Round, siteId);
                return new UploadReply { Accepted = true, Reason = $"already received: this update was accepted for round {header.Round}" };
            }
            // Refuse before reading the data: a stale or mis-shaped update costs us no memory.
            AdmittedUpload? admitted = plainUploads.Admit(siteId, header, out Rejection? early);
            if (admitted is null)
            {
                return plainUploads.Reject(siteId, header.Round, early!);
            }
            reader.CutWhen(admitted.Window);
            return plainUploads.Submit(admitted, await ReceiveDataAsync(reader, header, lease));
        }
        catch (InvalidDataException e)
        {
            return plainUploads.Reject(siteId, header?.Round ?? -1, new Rejection(RejectionCode.Malformed, e.Message));
        }
        catch (UploadCutException cut) when (cut.Cause == UploadCutCause.RoundClosed)
        {
            return plainUploads.Reject(siteId, header!.Round, new Rejection(RejectionCode.DeadlinePassed, $"round {header.Round} closed before the upload's data was complete"));
        }
        catch (UploadCutException cut)
        {
            throw cut.Answer(logger, "Upload", siteId);
        }
    }

    /// <summary>The delta's data as it arrives, its buffers counted in <see cref="UploadStreams.BufferedBytes"/>.</summary>
    private static async Task<ModelState> ReceiveDataAsync(UploadReader<UpdateChunk> reader, UpdateHeader header, UploadStreams.Lease lease)
    {
        // Cheap whatever the header declares: the assembler allocates as data arrives.
        var assembler = new TensorAssembler(header.Tensors);
        while (await reader.MoveNextAsync())
        {
            if (reader.Current.PartCase != UpdateChunk.PartOneofCase.Data)
            {
                throw new InvalidDataException("a second header arrived in the middle of the data");
            }
            assembler.Append(reader.Current.Data.Span);
            lease.Holding(assembler.AllocatedBytes);
        }
        return assembler.Complete();
    }

    public override Task<MetricsAck> ReportMetrics(RoundMetrics request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        metrics.Record(SiteIdentity.Of(context), request);
        return Task.FromResult(new MetricsAck());
    }

    public override Task<DeclineRoundReply> DeclineRound(DeclineRoundRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        return Task.FromResult(declines.Decline(SiteIdentity.Of(context), request.Round, request.Reason));
    }

    private static void RequireProtocol(uint version)
    {
        if (version != WireProtocol.Version)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"protocol version {version} is not supported; this aggregator speaks {WireProtocol.Version}"));
        }
    }
}
