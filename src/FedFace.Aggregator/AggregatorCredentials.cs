using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Aggregator;

/// <summary>
/// The aggregator's credentials, loaded once at start-up: its TLS certificate with the private key, its model-signing
/// certificate with the key that signs every published model (one key, one purpose), and the federation CA that sites'
/// certificates must chain to.
/// </summary>
public sealed class AggregatorCredentials(X509Certificate2 certificate, X509Certificate2 modelSigningCertificate, X509Certificate2 federationCa)
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2 ModelSigningCertificate { get; } = modelSigningCertificate;

    public X509Certificate2 FederationCa { get; } = federationCa;

    /// <exception cref="InvalidOperationException">when the model-signing certificate is not one sites accept as signer.</exception>
    public static AggregatorCredentials Load(AggregatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        X509Certificate2 ca = FederationTrust.LoadCertificate(options.CaCertificatePath);
        X509Certificate2 signing = FederationTrust.LoadCertificateWithKey(options.ModelSigningCertificatePath, options.ModelSigningKeyPath);
        if (!FederationTrust.TryValidateModelSigningCertificate(signing, ca, out string reason))
        {
            throw new InvalidOperationException($"Aggregator:ModelSigningCertificatePath '{options.ModelSigningCertificatePath}': {reason} "
                + "(make it with: dotnet run --project certs -- --out certs/generated)");
        }
        X509Certificate2 tls = FederationTrust.LoadCertificateWithKey(options.CertificatePath, options.KeyPath);
        // Sites would refuse it anyway, each with a closed connection: say it once, here, with which date is wrong.
        if (!FederationTrust.TryValidateAggregatorCertificate(tls, ca, out reason))
        {
            throw new InvalidOperationException($"Aggregator:CertificatePath '{options.CertificatePath}': {reason}");
        }
        return new AggregatorCredentials(tls, signing, ca);
    }
}
