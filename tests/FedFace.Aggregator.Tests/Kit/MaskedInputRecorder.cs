using FedFace.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Inside the real aggregator, keeps the byte form of the masked input one site streams, as it passes through unchanged.</summary>
public sealed class MaskedInputRecorder(string site) : Interceptor
{
    private readonly MemoryStream _bytes = new();

    /// <summary>The data chunks of the site's masked-input streams so far, in order.</summary>
    public byte[] Bytes
    {
        get { lock (_bytes) return _bytes.ToArray(); }
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(SiteIdentity.Of(context) == site ? new Recording<TRequest>(requestStream, this) : requestStream, context);

    private void Record(object message)
    {
        if (message is SecAggMaskedInputChunk { PartCase: SecAggMaskedInputChunk.PartOneofCase.Data } chunk)
        {
            lock (_bytes) _bytes.Write(chunk.Data.Span);
        }
    }

    private sealed class Recording<T>(IAsyncStreamReader<T> inner, MaskedInputRecorder recorder) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool next = await inner.MoveNext(cancellationToken);
            if (next)
            {
                recorder.Record(inner.Current!);
            }
            return next;
        }
    }
}
