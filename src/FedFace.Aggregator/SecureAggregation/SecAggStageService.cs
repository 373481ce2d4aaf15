using System.Diagnostics.CodeAnalysis;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>Thin translation between the SecAggStages wire contract and the open <see cref="SecureRound"/>; the caller is always its certificate.</summary>
public sealed class SecAggStageService(SecureRounds rounds, UploadStreams uploads, IOptions<AggregatorOptions> options, ILogger<SecAggStageService> logger)
    : SecAggStages.SecAggStagesBase
{
    /// <summary>The longest the aggregator holds a stage query with nothing to say.</summary>
    public static readonly TimeSpan MaxLongPoll = TimeSpan.FromSeconds(20);

    public override Task<SecAggReceipt> SecAggAdvertiseKeys(SecAggKeyAdvertisement request, ServerCallContext context) =>
        Task.FromResult(Receive(context, request.ProtocolVersion, request.Round, (round, site) => round.ReceiveAdvertisement(site, request.Advertisement.ToByteArray())));

    public override Task<SecAggReceipt> SecAggShareKeys(SecAggEncryptedShares request, ServerCallContext context) =>
        Task.FromResult(Receive(context, request.ProtocolVersion, request.Round, (round, site) => round.ReceiveShares(site, request.Shares.ToByteArray())));

    public override Task<SecAggReceipt> SecAggConfirmSurvivors(SecAggSurvivorSignature request, ServerCallContext context) =>
        Task.FromResult(Receive(context, request.ProtocolVersion, request.Round, (round, site) => round.ReceiveSurvivorSignature(site, request.Signature.ToByteArray())));

    public override Task<SecAggReceipt> SecAggUnmask(SecAggUnmaskShares request, ServerCallContext context) =>
        Task.FromResult(Receive(context, request.ProtocolVersion, request.Round, (round, site) => round.ReceiveUnmaskShares(site, request.Shares.ToByteArray())));

    public override Task<SecAggReceipt> SecAggLeave(SecAggLeaveRequest request, ServerCallContext context) =>
        Task.FromResult(Receive(context, request.ProtocolVersion, request.Round, (round, site) => round.Leave(site, request.Reason)));

    public override async Task<SecAggStageReply> SecAggGetStage(SecAggStageRequest request, ServerCallContext context)
    {
        string site = SiteIdentity.Of(context);
        if (!TryResolve(request.ProtocolVersion, request.Round, out SecureRound? round, out string problem))
        {
            return new SecAggStageReply { Excluded = new SecAggExcluded { Reason = problem } };
        }
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(request.MaxWaitMs, MaxLongPoll.TotalMilliseconds));
        return await round.InstructionForAsync(site, wait, context.CancellationToken);
    }

    /// <summary>
    /// Reads the header, refuses an unexpected size before reading the data, then hands the whole byte form to the round.
    /// The stream holds one of the site's upload slots (<see cref="UploadStreams"/>, shared with plain uploads), buffers only
    /// what arrived, and is cut when it goes silent for the chunk timeout or when the round's masked-input stage closes.
    /// </summary>
    public override async Task<SecAggReceipt> SecAggUploadMaskedInput(IAsyncStreamReader<SecAggMaskedInputChunk> requestStream, ServerCallContext context)
    {
        string site = SiteIdentity.Of(context);
        using UploadStreams.Lease lease = uploads.Open(site);
        using var reader = new UploadReader<SecAggMaskedInputChunk>(requestStream, context.CancellationToken,
            TimeSpan.FromSeconds(options.Value.UploadChunkTimeoutSeconds));
        long round = -1;
        try
        {
            if (!await reader.MoveNextAsync() || reader.Current.PartCase != SecAggMaskedInputChunk.PartOneofCase.Header)
            {
                return Refused(site, "the masked-input stream did not start with a header");
            }
            SecAggMaskedInputHeader header = reader.Current.Header;
            round = header.Round;
            if (!TryResolve(header.ProtocolVersion, header.Round, out SecureRound? secure, out string problem))
            {
                return Refused(site, problem);
            }
            long maxBytes = Math.Min(secure.MaxMaskedInputBytes, Array.MaxLength);
            if (header.MaskedInputBytes <= 0 || header.MaskedInputBytes > maxBytes)
            {
                return Refused(site, $"a masked input of round {header.Round} is at most {maxBytes} bytes, not {header.MaskedInputBytes}");
            }
            // A resend of a masked input already taken (its receipt was lost) is answered again even after the stage closed.
            if (!secure.TookMaskedInputFrom(site))
            {
                reader.CutWhen(secure.MaskedInputClosed);
            }
            var buffer = new MaskedInputBuffer((int)header.MaskedInputBytes);
            while (await reader.MoveNextAsync())
            {
                SecAggMaskedInputChunk chunk = reader.Current;
                if (chunk.PartCase != SecAggMaskedInputChunk.PartOneofCase.Data || !buffer.TryAppend(chunk.Data.Span))
                {
                    return Refused(site, $"the masked input of round {header.Round} holds more than the {buffer.DeclaredBytes} bytes its header declared, or a second header");
                }
                lease.Holding(buffer.AllocatedBytes);
            }
            return buffer.IsComplete
                ? secure.ReceiveMaskedInput(site, buffer.Complete())
                : Refused(site, $"the masked input of round {header.Round} ended after {buffer.ReceivedBytes} of the {buffer.DeclaredBytes} bytes its header declared");
        }
        catch (UploadCutException cut) when (cut.Cause == UploadCutCause.RoundClosed)
        {
            return Refused(site, $"the masked-input stage of round {round} closed before the masked input's data was complete");
        }
        catch (UploadCutException cut)
        {
            throw cut.Answer(logger, "Masked-input upload", site);
        }
    }

    private SecAggReceipt Receive(ServerCallContext context, uint protocolVersion, long round, Func<SecureRound, string, SecAggReceipt> receive)
    {
        string site = SiteIdentity.Of(context);
        return TryResolve(protocolVersion, round, out SecureRound? secure, out string problem) ? receive(secure, site) : Refused(site, problem);
    }

    /// <summary>The secure round a message is for, or why it cannot be taken at all.</summary>
    private bool TryResolve(uint protocolVersion, long round, [NotNullWhen(true)] out SecureRound? secure, out string problem)
    {
        secure = rounds.Find(round);
        problem = protocolVersion != WireProtocol.Version
            ? $"protocol version {protocolVersion} is not supported; this aggregator speaks {WireProtocol.Version}"
            : secure is null ? $"round {round} is not a secure round this aggregator is running" : "";
        return problem.Length == 0;
    }

    private SecAggReceipt Refused(string site, string reason)
    {
        logger.LogWarning("Refused a secure-aggregation message from {Site}: {Reason}", site, reason);
        return new SecAggReceipt { Accepted = false, Reason = reason };
    }
}
