using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator;

/// <summary>Runs <see cref="OnCall"/> before every call the aggregator serves (unary and streaming alike), then the call.</summary>
public abstract class PerCallInterceptor : Interceptor
{
    protected abstract void OnCall(ServerCallContext context);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        OnCall(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        OnCall(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        OnCall(context);
        return continuation(request, responseStream, context);
    }
}
