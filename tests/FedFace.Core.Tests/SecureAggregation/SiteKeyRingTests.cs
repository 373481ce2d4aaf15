using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class SiteKeyRingTests
{
    [Fact]
    public void A_ring_from_site_certificates_verifies_what_each_site_key_signs_and_nothing_else()
    {
        using ECDsa siteKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=site-07, O=FedFace", siteKey, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        SiteKeyRing ring = SiteKeyRing.FromCertificates([certificate]);

        byte[] data = "advertisement"u8.ToArray();
        Assert.True(ring.Knows("site-07"));
        Assert.True(ring.Verify("site-07", data, SiteKeyRing.Signer(siteKey)(data), out _));
        Assert.False(ring.Verify("site-07", data, SiteKeyRing.Signer(otherKey)(data), out string reason));
        Assert.Contains("certificate key of site 'site-07'", reason);
        Assert.False(ring.Verify("site-08", data, SiteKeyRing.Signer(siteKey)(data), out string unknown));
        Assert.Contains("no certificate key", unknown);
    }
}
