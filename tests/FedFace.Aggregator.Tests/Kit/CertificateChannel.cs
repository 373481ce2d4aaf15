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
    /// <param name="onHandshake">Told the aggregator's certificate at every TLS handshake (a new connection).</param>
    public static GrpcChannel Open(Uri aggregator, X509Certificate2 federationCa, X509Certificate2? clientCertificate, Action<X509Certificate2>? onHandshake = null) =>
        GrpcChannel.ForAddress(aggregator, new GrpcChannelOptions { HttpHandler = Handler(federationCa, clientCertificate, onHandshake), DisposeHttpClient = true });

    /// <summary>The same TLS client for plain HTTP requests (an HTTP/2 GET on the mutual-TLS port, say).</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 federationCa, X509Certificate2? clientCertificate, Action<X509Certificate2>? onHandshake = null) =>
        new()
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                {
                    if (presented is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    X509Certificate2 aggregatorCertificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
                    onHandshake?.Invoke(aggregatorCertificate);
                    return FederationTrust.TryValidateAggregatorCertificate(aggregatorCertificate, federationCa, out _);
                },
            },
        };
}
