using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>
/// The latest client certificate each site presented (the TLS handshake already checked it against the federation
/// CA). Secure aggregation verifies a site's signed messages with its certificate key and hands the sampled sites'
/// certificates to their neighbours, which check them against the CA themselves.
/// </summary>
public sealed class SiteCertificates
{
    private readonly ConcurrentDictionary<string, X509Certificate2> _bySite = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="certificate"/> as its site's (the site id is its CN).</summary>
    public void Remember(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string siteId = FederationTrust.SiteIdOf(certificate);
        // Most calls present the certificate already kept: compare before copying.
        if (!_bySite.TryGetValue(siteId, out X509Certificate2? known) || !known.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
        {
            _bySite[siteId] = X509CertificateLoader.LoadCertificate(certificate.RawDataMemory.Span);
        }
    }

    public X509Certificate2? Find(string siteId) => _bySite.GetValueOrDefault(siteId);
}
