using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;
using FedFace.Protos.Admin.V1;
using Grpc.Net.Client;

namespace FedFace.Transport;

/// <summary>
/// An operator's gRPC channel to the aggregator's admin service over mutual TLS: the operator certificate out, and only
/// the federation's aggregator certificate for the host dialled accepted back.
/// </summary>
public sealed class OperatorConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <exception cref="InvalidOperationException">The certificate is not an operator certificate of this CA (the aggregator would refuse it).</exception>
    public OperatorConnection(AggregatorEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        X509Certificate2 operatorCertificate = FederationTrust.LoadCertificateWithKey(endpoint.CertificatePath, endpoint.KeyPath);
        X509Certificate2 federationCa = FederationTrust.LoadCertificate(endpoint.CaCertificatePath);
        // Checked here, so a site certificate or a foreign one is named now rather than refused by the server as a closed connection.
        if (!FederationTrust.TryValidateOperatorCertificate(operatorCertificate, federationCa, out string problem))
        {
            throw new InvalidOperationException($"{endpoint.CertificatePath} cannot read the federation's status: {problem}");
        }
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [operatorCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    AggregatorRefusal = AggregatorCertificateCheck.Problem(certificate, errors, federationCa);
                    return AggregatorRefusal is null;
                },
            },
        };
        _channel = GrpcChannel.ForAddress(endpoint.Url, new GrpcChannelOptions { HttpHandler = handler });
        Admin = new FederationAdmin.FederationAdminClient(_channel);
    }

    public FederationAdmin.FederationAdminClient Admin { get; }

    /// <summary>Why the last handshake refused the aggregator's certificate; null when it did not.</summary>
    public string? AggregatorRefusal { get; private set; }

    public void Dispose() => _channel.Dispose();
}
