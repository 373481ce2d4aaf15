using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Certs.Tests;

public sealed class FederationTrustTests : IDisposable
{
    private readonly TestPki _pki = new(sites: 2);
    private readonly TestPki _otherFederation = new(sites: 1);

    public void Dispose()
    {
        _pki.Dispose();
        _otherFederation.Dispose();
    }

    [Fact]
    public void A_site_certificate_validates_and_names_its_site()
    {
        using X509Certificate2 site = _pki.Site("site-02");

        Assert.True(FederationTrust.TryValidateSiteCertificate(site, _pki.Ca, out string siteId, out string reason), reason);
        Assert.Equal("site-02", siteId);
        Assert.Equal("site-02", FederationTrust.SiteIdOf(site));
    }

    [Fact]
    public void The_aggregator_certificate_validates_as_the_aggregator()
    {
        using X509Certificate2 aggregator = _pki.Aggregator();
        Assert.True(FederationTrust.TryValidateAggregatorCertificate(aggregator, _pki.Ca, out string reason), reason);
    }

    [Fact]
    public void A_site_certificate_from_another_federation_is_refused()
    {
        using X509Certificate2 stranger = _otherFederation.Site("site-01");

        Assert.False(FederationTrust.TryValidateSiteCertificate(stranger, _pki.Ca, out string siteId, out string reason));
        Assert.Equal("", siteId);
        Assert.Contains("'CN=site-01, O=FedFace' was not issued by the federation CA", reason);
    }

    [Fact]
    public void The_aggregator_certificate_is_refused_as_a_site()
    {
        using X509Certificate2 aggregator = _pki.Aggregator();

        Assert.False(FederationTrust.TryValidateSiteCertificate(aggregator, _pki.Ca, out _, out string reason));
        Assert.Equal("certificate 'CN=aggregator, O=FedFace' is not valid for client authentication (no clientAuth extended key usage)", reason);
    }

    [Fact]
    public void A_site_certificate_is_refused_as_the_aggregator()
    {
        using X509Certificate2 site = _pki.Site("site-01");

        Assert.False(FederationTrust.TryValidateAggregatorCertificate(site, _pki.Ca, out string reason));
        Assert.Contains("not valid for server authentication (no serverAuth", reason);
    }

    [Fact]
    public void The_ca_itself_is_refused_as_a_site()
    {
        Assert.False(FederationTrust.TryValidateSiteCertificate(_pki.Ca, _pki.Ca, out _, out string reason));
        Assert.Contains("is a CA certificate", reason);
    }

    [Fact]
    public void An_expired_site_certificate_is_refused_with_its_end_date()
    {
        using X509Certificate2 ca = _pki.CaWithKey();
        // Inside the CA's validity (it is back-dated by a few minutes), yet already over.
        var notBefore = new DateTimeOffset(ca.NotBefore.ToUniversalTime());
        using X509Certificate2 expired = FederationPki.IssueSiteCertificate(ca, "site-01", "FedFace", notBefore, notBefore.AddMinutes(1));

        Assert.False(FederationTrust.TryValidateSiteCertificate(expired, _pki.Ca, out _, out string reason));
        Assert.Equal($"certificate 'CN=site-01, O=FedFace' expired on {notBefore.AddMinutes(1):yyyy-MM-dd HH:mm:ss} UTC", reason);
    }

    [Fact]
    public void A_site_certificate_not_valid_yet_is_refused_with_its_start_date()
    {
        using X509Certificate2 ca = _pki.CaWithKey();
        // A day ahead, in whole seconds as a certificate stores it: a site whose clock or issuer is ahead of the aggregator's.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var notBefore = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddDays(1);
        using X509Certificate2 early = FederationPki.IssueSiteCertificate(ca, "site-01", "FedFace", notBefore, notBefore.AddDays(30));

        Assert.False(FederationTrust.TryValidateSiteCertificate(early, _pki.Ca, out _, out string reason));
        Assert.Equal($"certificate 'CN=site-01, O=FedFace' is not valid before {notBefore:yyyy-MM-dd HH:mm:ss} UTC", reason);
    }

    [Fact]
    public void Loading_names_the_missing_file()
    {
        string missing = Path.Combine(_pki.Layout.Directory, "nope.key");
        var error = Assert.Throws<FileNotFoundException>(() => FederationTrust.LoadCertificateWithKey(_pki.Layout.SiteCertificate("site-01"), missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Loading_a_key_that_belongs_to_another_certificate_names_both_files()
    {
        string certificate = _pki.Layout.SiteCertificate("site-01"), key = _pki.Layout.SiteKey("site-02");
        var error = Assert.Throws<CryptographicException>(() => FederationTrust.LoadCertificateWithKey(certificate, key));
        Assert.Contains($"Key file '{key}' does not match certificate '{certificate}'", error.Message);
    }

    [Fact]
    public void Loading_a_certificate_where_a_key_is_expected_says_so()
    {
        string certificate = _pki.Layout.SiteCertificate("site-01");
        var error = Assert.Throws<CryptographicException>(() => FederationTrust.LoadCertificateWithKey(certificate, certificate));
        Assert.Contains("does not contain a readable, unencrypted PEM ECDsa private key", error.Message);
    }

    /// <summary>
    /// Found by fuzzing (tests/FedFace.Fuzz.Tests, secure round terms): a certificate that parses as a whole but holds an
    /// extension that does not decode made validation throw instead of refusing it.
    /// </summary>
    [Fact]
    public void A_certificate_with_an_extension_that_does_not_decode_is_refused_saying_so()
    {
        using X509Certificate2 site = _pki.Site("site-01");
        byte[] der = site.RawData;
        // The basic-constraints extension (OID 2.5.29.19) is read before the chain is built: break the DER inside its value.
        int oid = der.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x06, 0x03, 0x55, 0x1D, 0x13]);
        Assert.True(oid > 0, "the site certificate has a basic-constraints extension");
        int value = der.AsSpan(oid).IndexOf((byte)0x04) + oid; // its OCTET STRING, holding a SEQUENCE
        der[value + 2] = 0x05; // the inner SEQUENCE's tag becomes NULL with a length that does not fit
        using X509Certificate2 broken = X509CertificateLoader.LoadCertificate(der);

        Assert.False(FederationTrust.TryValidateSiteCertificate(broken, _pki.Ca, out _, out string reason));
        Assert.StartsWith("a presented client certificate cannot be read (", reason, StringComparison.Ordinal);
    }
}
