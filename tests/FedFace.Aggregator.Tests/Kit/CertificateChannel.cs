using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;
using Grpc.Net.Client;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// A gRPC channel that checks the aggregator properly but shows <c>clientCertificate</c> (or nothing), forcing it
/// through the client's own certificate selection so the aggregator judges it: a raw client, as grpcurl would be.
/// </summary>
public static class CertificateChannel
{
    public static GrpcChannel Open(Uri aggregator, X509Certificate2 federationCa, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                    presented is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                        && FederationTrust.TryValidateAggregatorCertificate(X509CertificateLoader.LoadCertificate(presented.GetRawCertData()), federationCa, out _),
            },
        };
        return GrpcChannel.ForAddress(aggregator, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
