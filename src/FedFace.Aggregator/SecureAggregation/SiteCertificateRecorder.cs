using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>Every call a site makes leaves its client certificate in <see cref="SiteCertificates"/>, so a sampled site's is known when a secure round opens.</summary>
public sealed class SiteCertificateRecorder(SiteCertificates certificates) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Record(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Record(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Record(context);
        return continuation(request, responseStream, context);
    }

    private void Record(ServerCallContext context)
    {
        if (context.GetHttpContext().Connection.ClientCertificate is { } certificate)
        {
            certificates.Remember(certificate);
        }
    }
}
