using FedFace.Core.Security;
using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>A caller's site id, read from the client certificate the TLS handshake already verified.</summary>
public static class SiteIdentity
{
    public static string Of(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "no client certificate on this connection"));
        return FederationTrust.SiteIdOf(certificate);
    }
}
