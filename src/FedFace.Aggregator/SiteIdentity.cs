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
        if (FederationTrust.IsOperator(certificate))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"certificate '{certificate.Subject}' is an operator's: it may call the admin service, never take part as a site"));
        }
        return FederationTrust.SiteIdOf(certificate);
    }

    /// <summary>The caller's certificate when it is a site's; null for an operator or a call without one.</summary>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2? SiteCertificateOf(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate && !FederationTrust.IsOperator(certificate) ? certificate : null;
}
