using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Aggregator;

/// <summary>
/// The aggregator's credentials, loaded once at start-up: its certificate with the private key, which both serves TLS
/// and signs every published model, and the federation CA that sites' certificates must chain to.
/// </summary>
public sealed class AggregatorCredentials(X509Certificate2 certificate, X509Certificate2 federationCa)
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2 FederationCa { get; } = federationCa;

    public static AggregatorCredentials Load(AggregatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AggregatorCredentials(FederationTrust.LoadCertificateWithKey(options.CertificatePath, options.KeyPath),
            FederationTrust.LoadCertificate(options.CaCertificatePath));
    }
}
