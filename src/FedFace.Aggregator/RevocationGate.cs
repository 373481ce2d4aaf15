using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>
/// Refuses every call from a site whose certificate is revoked, with PermissionDenied and the reason. Checked per call, not
/// at the handshake: an open connection cannot outlive its revocation, and the site is told why instead of seeing a
/// closed connection.
/// </summary>
public sealed class RevocationGate(RevokedSites revoked, ILogger<RevocationGate> logger) : PerCallInterceptor
{
    protected override void OnCall(ServerCallContext context)
    {
        if (context.GetHttpContext().Connection.ClientCertificate is not { } certificate || revoked.RevocationOf(certificate) is not { } reason) return;
        logger.LogWarning("Refused {Method} from a revoked site: {Reason}", context.Method, reason);
        throw new RpcException(new Status(StatusCode.PermissionDenied, reason));
    }
}
