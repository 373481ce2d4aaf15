using System.Collections.Concurrent;
using FedFace.Core.SecureAggregation;
using FedFace.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// A malicious aggregator, as a gRPC interceptor inside the real one (issue 25's attack): it passes the target only the
/// shares of the neighbours in <paramref name="maskedWith"/>, then shows each site the survivor set in <paramref name="shown"/>,
/// keeps the sites' signatures to itself and forwards to each signer the signatures it holds on that site's set. It keeps
/// every share a site reveals, and why every site that left did so. Everything else goes to the real stages.
/// </summary>
public sealed class LyingSecAggStages(string target, IReadOnlyCollection<string> maskedWith, IReadOnlyDictionary<string, string[]> shown) : Interceptor
{
    private readonly ConcurrentDictionary<string, SurvivorSetSignature> _signatures = new(StringComparer.Ordinal);

    /// <summary>Site → the reason it gave for leaving the round.</summary>
    public ConcurrentDictionary<string, string> Refusals { get; } = new(StringComparer.Ordinal);

    /// <summary>Every share a site revealed.</summary>
    public ConcurrentBag<UnmaskShares> Revealed { get; } = [];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        string site = SiteIdentity.Of(context);
        switch (request)
        {
            case SecAggSurvivorSignature signature:
                _signatures[site] = SurvivorSetSignature.FromBytes(signature.Signature.ToByteArray());
                return (TResponse)(object)new SecAggReceipt { Accepted = true };
            case SecAggUnmaskShares shares:
                Revealed.Add(UnmaskShares.FromBytes(shares.Shares.ToByteArray()));
                return (TResponse)(object)new SecAggReceipt { Accepted = true };
            case SecAggLeaveRequest leave:
                Refusals[site] = leave.Reason;
                break;
            case SecAggStageRequest poll when _signatures.ContainsKey(site):
                return (TResponse)(object)await UnmaskRequestForAsync(site, poll.Round);
        }
        TResponse response = await continuation(request, context);
        if (response is SecAggStageReply reply) Rewrite(site, reply);
        return response;
    }

    private void Rewrite(string site, SecAggStageReply reply)
    {
        if (reply.InstructionCase == SecAggStageReply.InstructionOneofCase.MaskedInputRequest && site == target)
        {
            MaskedInputRequest honest = MaskedInputRequest.FromBytes(reply.MaskedInputRequest.ToByteArray());
            reply.MaskedInputRequest = ByteString.CopyFrom((honest with { Shares = [.. honest.Shares.Where(s => maskedWith.Contains(s.SenderId))] }).ToBytes());
        }
        else if (reply.InstructionCase == SecAggStageReply.InstructionOneofCase.ConsistencyCheckRequest)
        {
            ConsistencyCheckRequest honest = ConsistencyCheckRequest.FromBytes(reply.ConsistencyCheckRequest.ToByteArray());
            reply.ConsistencyCheckRequest = ByteString.CopyFrom((honest with { Survivors = shown[site] }).ToBytes());
        }
    }

    /// <summary>Once every site signed or left: the site's set with every signature held on that very set.</summary>
    private async Task<SecAggStageReply> UnmaskRequestForAsync(string site, long round)
    {
        if (!shown.Keys.All(s => _signatures.ContainsKey(s) || Refusals.ContainsKey(s)))
        {
            await Task.Delay(100);
            return new SecAggStageReply { Wait = new SecAggWait { Reason = "waiting for the other signatures" } };
        }
        SurvivorSetSignature[] onSet = [.. _signatures.Where(e => shown[e.Key].SequenceEqual(shown[site])).Select(e => e.Value)];
        return new SecAggStageReply { UnmaskRequest = ByteString.CopyFrom(new UnmaskRequest(round, site, shown[site], onSet).ToBytes()) };
    }
}
