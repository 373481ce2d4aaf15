using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator.Observability;

/// <summary>
/// Counts the protobuf bytes of every message the gRPC services receive and send, by method: one seam for every call
/// (uploads, downloads, tasks, secure-aggregation stages) rather than a count in each service. TLS and HTTP/2 framing
/// are not included.
/// </summary>
public sealed class MessageBytesInterceptor(AggregatorMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Received(request, context);
        TResponse response = await continuation(request, context);
        Sent(response, context);
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        TResponse response = await continuation(new CountingReader<TRequest>(requestStream, message => Received(message, context)), context);
        Sent(response, context);
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Received(request, context);
        return continuation(request, new CountingWriter<TResponse>(responseStream, message => Sent(message, context)), context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(new CountingReader<TRequest>(requestStream, message => Received(message, context)),
            new CountingWriter<TResponse>(responseStream, message => Sent(message, context)), context);
    }

    private void Received(object message, ServerCallContext context) => metrics.BytesReceived(SizeOf(message), context.Method);

    private void Sent(object message, ServerCallContext context) => metrics.BytesSent(SizeOf(message), context.Method);

    /// <summary>The serialized size; cheap for the bulk messages (a chunk's bytes are a length, not a copy).</summary>
    private static long SizeOf(object message) => message is IMessage protobuf ? protobuf.CalculateSize() : 0;

    private sealed class CountingReader<T>(IAsyncStreamReader<T> inner, Action<T> count) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool more = await inner.MoveNext(cancellationToken);
            if (more)
            {
                count(inner.Current);
            }
            return more;
        }
    }

    private sealed class CountingWriter<T>(IServerStreamWriter<T> inner, Action<T> count) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message)
        {
            count(message);
            return inner.WriteAsync(message);
        }

        // The interface's default for this overload refuses a cancellable token; the services pass theirs.
        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            count(message);
            return inner.WriteAsync(message, cancellationToken);
        }
    }
}
