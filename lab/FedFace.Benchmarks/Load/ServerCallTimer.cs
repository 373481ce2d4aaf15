using System.Diagnostics;
using FedFace.SyntheticSites;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Benchmarks.Load;

/// <summary>The aggregator's own time per call, by method name, from the handler's start to its answer (server side of the load figures).</summary>
public sealed class ServerCallTimer(CallTimings timings) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return await continuation(request, context);
        }
        finally
        {
            timings.Record(MethodName(context), Stopwatch.GetElapsedTime(start));
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return await continuation(requestStream, context);
        }
        finally
        {
            timings.Record(MethodName(context), Stopwatch.GetElapsedTime(start));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context);
        }
        finally
        {
            timings.Record(MethodName(context), Stopwatch.GetElapsedTime(start));
        }
    }

    private static string MethodName(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];
}
