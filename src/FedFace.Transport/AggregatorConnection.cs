using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;
using FedFace.Protos.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace FedFace.Transport;

/// <summary>A gRPC channel to the aggregator over mutual TLS: we show our site certificate, and accept only
/// an aggregator certificate issued by the federation CA for the host we dialled.</summary>
public sealed class AggregatorConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly string _aggregatorHost;
    private readonly X509Certificate2 _siteCertificate;

    public AggregatorConnection(AggregatorEndpoint endpoint, ILoggerFactory loggerFactory)
    {
        X509Certificate2 siteCertificate = FederationTrust.LoadCertificateWithKey(endpoint.CertificatePath, endpoint.KeyPath);
        X509Certificate2 federationCa = FederationTrust.LoadCertificate(endpoint.CaCertificatePath);
        // With TLS 1.3 a refused client certificate shows up on our side only as a closed connection, which
        // looks transient. Check our own certificate first so a wrong one fails now, with the reason.
        if (!FederationTrust.TryValidateSiteCertificate(siteCertificate, federationCa, out string siteId, out string problem))
        {
            siteCertificate.Dispose();
            federationCa.Dispose();
            throw new InvalidOperationException($"this site's certificate {endpoint.CertificatePath} would be refused by the aggregator: {problem}");
        }
        SiteId = siteId;
        _siteCertificate = siteCertificate;
        // Without brackets for IPv6, as a certificate lists the address.
        _aggregatorHost = new Uri(endpoint.Url).IdnHost;
        // Secure aggregation signs with the certificate's key, and checks the other sites' certificates against the CA.
        SigningKey = siteCertificate.GetECDsaPrivateKey();
        FederationCa = federationCa;
        ILogger logger = loggerFactory.CreateLogger<AggregatorConnection>();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [siteCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    AdmitAggregator(certificate, errors, federationCa, logger),
            },
            EnableMultipleHttp2Connections = true,
            // Bulk model transfer: a larger stream window than HTTP/2's 64 KiB default.
            InitialHttp2StreamWindowSize = 4 << 20,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        };
        _channel = GrpcChannel.ForAddress(endpoint.Url, new GrpcChannelOptions
        {
            HttpHandler = handler,
            LoggerFactory = loggerFactory,
        });
        Client = new Federation.FederationClient(_channel);
        SecAgg = new SecAggStages.SecAggStagesClient(_channel);
    }

    public string SiteId { get; }

    public Federation.FederationClient Client { get; }

    /// <summary>
    /// Checks global models against the aggregator this connection dials: signed by a certificate of the federation CA
    /// that serves the host of the aggregator's URL, for <paramref name="federationName"/> (the Join reply names it).
    /// </summary>
    public ModelSignatureVerifier ModelVerifier(string federationName) => new(FederationCa, federationName, _aggregatorHost);
    /// <summary>The secure-aggregation stages, over the same channel.</summary>
    public SecAggStages.SecAggStagesClient SecAgg { get; }

    /// <summary>The site certificate's private key (null if it is not an ECDSA key: such a site cannot take part in secure aggregation).</summary>
    public ECDsa? SigningKey { get; }

    public X509Certificate2 FederationCa { get; }

    private static bool AdmitAggregator(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 federationCa, ILogger logger)
    {
        if (AggregatorCertificateCheck.Problem(presented, errors, federationCa) is { } problem)
        {
            logger.LogError("Refusing the aggregator: {Reason}", problem);
            return false;
        }
        return true;
    }

    /// <summary>Closes the channel and frees the certificates' native handles now, not at a finalizer's pace: a simulator opens thousands of connections a round.</summary>
    public void Dispose()
    {
        _channel.Dispose();
        SigningKey?.Dispose();
        _siteCertificate.Dispose();
        FederationCa.Dispose();
    }
}
