using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Certs.Tests;

/// <summary>A throwaway federation PKI in its own temp folder, deleted with the test.</summary>
public sealed class TestPki : IDisposable
{
    public PkiLayout Layout { get; }
    public X509Certificate2 Ca { get; }

    private readonly TempDirectory _directory = new();

    public TestPki(int sites = 2, IReadOnlyList<string>? aggregatorNames = null)
    {
        Layout = FederationPki.Create(_directory.Path, SiteIds.Numbered("site", sites), aggregatorNames);
        Ca = FederationTrust.LoadCertificate(Layout.CaCertificate);
    }

    public X509Certificate2 Site(string siteId) => FederationTrust.LoadCertificateWithKey(Layout.SiteCertificate(siteId), Layout.SiteKey(siteId));
    public X509Certificate2 Aggregator() => FederationTrust.LoadCertificateWithKey(Layout.AggregatorCertificate, Layout.AggregatorKey);
    public X509Certificate2 ModelSigning() => FederationTrust.LoadCertificateWithKey(Layout.ModelSigningCertificate, Layout.ModelSigningKey);
    public X509Certificate2 Operator() => FederationTrust.LoadCertificateWithKey(Layout.OperatorCertificate, Layout.OperatorKey);
    public X509Certificate2 CaWithKey() => FederationTrust.LoadCertificateWithKey(Layout.CaCertificate, Layout.CaKey);

    public void Dispose()
    {
        Ca.Dispose();
        _directory.Dispose();
    }
}
