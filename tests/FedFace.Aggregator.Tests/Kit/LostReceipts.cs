using System.Collections.Concurrent;
using FedFace.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// A network that loses the receipts of one site's secure-stage messages, inside the real aggregator: each message the
/// site sends is taken, its receipt dropped, and the same bytes handed to the aggregator again, as the site's retry
/// would send them. The site sees the second receipt; every receipt is kept.
/// </summary>
public sealed class LostReceipts(string site) : Interceptor
{
    /// <summary>The receipts of the first delivery and of the resend, in that order, per method.</summary>
    public ConcurrentDictionary<string, SecAggReceipt[]> Receipts { get; } = new(StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!IsStageAnswer(request, context))
        {
            return await continuation(request, context);
        }
        TResponse first = await continuation(request, context);
        TResponse second = await continuation(request, context);
        Receipts[context.Method] = [(SecAggReceipt)(object)first, (SecAggReceipt)(object)second];
        return second;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (SiteIdentity.Of(context) != site)
        {
            return await continuation(requestStream, context);
        }
        var messages = new List<TRequest>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            messages.Add(requestStream.Current);
        }
        TResponse first = await continuation(new Replay<TRequest>(messages), context);
        TResponse second = await continuation(new Replay<TRequest>(messages), context);
        Receipts[context.Method] = [(SecAggReceipt)(object)first, (SecAggReceipt)(object)second];
        return second;
    }

    private bool IsStageAnswer(object request, ServerCallContext context) =>
        request is SecAggKeyAdvertisement or SecAggEncryptedShares or SecAggSurvivorSignature or SecAggUnmaskShares && SiteIdentity.Of(context) == site;

    private sealed class Replay<T>(IReadOnlyList<T> messages) : IAsyncStreamReader<T>
    {
        private int _next = -1;

        public T Current => messages[_next];

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_next < messages.Count);
    }
}
