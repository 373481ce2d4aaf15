using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Wire;
using FedFace.Protos.V1;
using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>Thin translation between the wire contract and <see cref="RoundCoordinator"/>.</summary>
public sealed class FederationService(RoundCoordinator coordinator, ILogger<FederationService> logger) : Federation.FederationBase
{
    public override Task<JoinReply> Join(JoinRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        return Task.FromResult(coordinator.Join(SiteIdentity.Of(context)));
    }

    public override Task<TaskReply> GetTask(TaskRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        return Task.FromResult(coordinator.GetTask(SiteIdentity.Of(context)));
    }

    public override async Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        string siteId = SiteIdentity.Of(context);
        var served = coordinator.GetModel(request.ModelVersion)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"model v{request.ModelVersion} is not served; the current global model is v{coordinator.ModelVersion}"));
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
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return coordinator.Reject(siteId, -1, new Rejection(RejectionCode.Malformed, "empty upload stream"));
        }
        if (requestStream.Current.PartCase != UpdateChunk.PartOneofCase.Header)
        {
            return coordinator.Reject(siteId, -1, new Rejection(RejectionCode.Malformed, "upload did not start with a header"));
        }
        UpdateHeader header = requestStream.Current.Header;
        if (coordinator.IsRetryOfAcceptedUpdate(siteId, header))
        {
            logger.LogInformation("Round {Round}: {Site} sent its accepted update again (its reply was lost); answered, not folded twice", header.Round, siteId);
            return new UploadReply { Accepted = true, Reason = $"already received: this update was accepted for round {header.Round}" };
        }
        // Refuse before reading the data: a stale or mis-shaped update costs us no memory.
        Rejection? early = coordinator.CheckUploadHeader(siteId, header);
        if (early is not null)
        {
            return coordinator.Reject(siteId, header.Round, early);
        }
        var assembler = new TensorAssembler(header.Tensors);
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                if (requestStream.Current.PartCase != UpdateChunk.PartOneofCase.Data)
                {
                    throw new InvalidDataException("a second header arrived in the middle of the data");
                }
                assembler.Append(requestStream.Current.Data.Span);
            }
            ModelState delta = assembler.Complete();
            return coordinator.SubmitUpdate(siteId, header, delta);
        }
        catch (InvalidDataException e)
        {
            return coordinator.Reject(siteId, header.Round, new Rejection(RejectionCode.Malformed, e.Message));
        }
    }

    public override Task<MetricsAck> ReportMetrics(RoundMetrics request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        coordinator.RecordMetrics(SiteIdentity.Of(context), request);
        return Task.FromResult(new MetricsAck());
    }

    public override Task<DeclineRoundReply> DeclineRound(DeclineRoundRequest request, ServerCallContext context)
    {
        RequireProtocol(request.ProtocolVersion);
        return Task.FromResult(coordinator.Decline(SiteIdentity.Of(context), request.Round, request.Reason));
    }

    private static void RequireProtocol(uint version)
    {
        if (version != RoundCoordinator.ProtocolVersion)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"protocol version {version} is not supported; this aggregator speaks {RoundCoordinator.ProtocolVersion}"));
        }
    }
}
