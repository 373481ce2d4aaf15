using FedFace.Core.Security;
using FedFace.Protos.Admin.V1;
using Grpc.Core;

namespace FedFace.Aggregator.Admin;

/// <summary>The admin gRPC service: the federation's status, for operator certificates only.</summary>
public sealed class FederationAdminService(FederationReportBuilder reports) : FederationAdmin.FederationAdminBase
{
    public override Task<FederationReport> GetStatus(StatusRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        return Task.FromResult(reports.Build(includeSites: !request.OmitSites));
    }

    /// <summary>
    /// The TLS handshake already checked the certificate against the federation CA (<see cref="ClientCertificateGate"/>);
    /// what is left is its role.
    /// </summary>
    private static void RequireOperator(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "no client certificate on this connection"));
        if (!FederationTrust.IsOperator(certificate))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"certificate '{certificate.Subject}' is not an operator's: the admin service answers the operator certificate only (fedface-certs writes operator.crt)"));
        }
    }
}
