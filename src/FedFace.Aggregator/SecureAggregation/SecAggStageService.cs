using System.Diagnostics.CodeAnalysis;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Grpc.Core;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>Thin translation between the SecAggStages wire contract and the open <see cref="SecureRound"/>; the caller is always its certificate.</summary>
public sealed class SecAggStageService(SecureRounds rounds, ILogger<SecAggStageService> logger) : SecAggStages.SecAggStagesBase
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

    /// <summary>Reads the header, refuses an unexpected size before reading the data, then hands the whole byte form to the round.</summary>
    public override async Task<SecAggReceipt> SecAggUploadMaskedInput(IAsyncStreamReader<SecAggMaskedInputChunk> requestStream, ServerCallContext context)
    {
        string site = SiteIdentity.Of(context);
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PartCase != SecAggMaskedInputChunk.PartOneofCase.Header)
        {
            return Refused(site, "the masked-input stream did not start with a header");
        }
        SecAggMaskedInputHeader header = requestStream.Current.Header;
        if (!TryResolve(header.ProtocolVersion, header.Round, out SecureRound? round, out string problem))
        {
            return Refused(site, problem);
        }
        if (header.MaskedInputBytes <= 0 || header.MaskedInputBytes > round.MaxMaskedInputBytes)
        {
            return Refused(site, $"a masked input of round {header.Round} is at most {round.MaxMaskedInputBytes} bytes, not {header.MaskedInputBytes}");
        }
        byte[] bytes = new byte[header.MaskedInputBytes];
        int received = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            SecAggMaskedInputChunk chunk = requestStream.Current;
            if (chunk.PartCase != SecAggMaskedInputChunk.PartOneofCase.Data || chunk.Data.Length > bytes.Length - received)
            {
                return Refused(site, $"the masked input of round {header.Round} holds more than the {bytes.Length} bytes its header declared, or a second header");
            }
            chunk.Data.Span.CopyTo(bytes.AsSpan(received));
            received += chunk.Data.Length;
        }
        return received == bytes.Length
            ? round.ReceiveMaskedInput(site, bytes)
            : Refused(site, $"the masked input of round {header.Round} ended after {received} of the {bytes.Length} bytes its header declared");
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
