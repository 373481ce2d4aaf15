using System.Security.Cryptography.X509Certificates;
using FedFace.Certs;
using FedFace.Core.Security;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Certificates of the federation's CA with any validity (expired, not yet valid, a rotation's replacement). Outside Kit/,
/// which the end-to-end tests share: they cannot see the internal issuing methods.
/// </summary>
public static class IssuedCertificates
{
    /// <summary>The CA's own start: no certificate it issues may begin earlier. Anything ending a minute later is already over.</summary>
    public static DateTimeOffset CaStart(PkiLayout pki)
    {
        using X509Certificate2 ca = FederationTrust.LoadCertificate(pki.CaCertificate);
        return new DateTimeOffset(ca.NotBefore.ToUniversalTime());
    }

    public static X509Certificate2 Aggregator(PkiLayout pki, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using X509Certificate2 ca = FederationTrust.LoadCertificateWithKey(pki.CaCertificate, pki.CaKey);
        return FederationPki.IssueAggregatorCertificate(ca, ["localhost", "127.0.0.1", "::1"], "FedFace-Test", notBefore, notAfter);
    }

    public static X509Certificate2 Site(PkiLayout pki, string siteId, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using X509Certificate2 ca = FederationTrust.LoadCertificateWithKey(pki.CaCertificate, pki.CaKey);
        return FederationPki.IssueSiteCertificate(ca, siteId, "FedFace-Test", notBefore, notAfter);
    }

    /// <summary>Replaces the aggregator's certificate files (key first, then certificate), as an operator rotating it would.</summary>
    public static void WriteAggregatorFiles(PkiLayout pki, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(pki.AggregatorKey, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.AggregatorCertificate, certificate.ExportCertificatePem());
    }
}
