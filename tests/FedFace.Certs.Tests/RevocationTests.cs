using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Certs.Tests;

/// <summary>fedface-certs revoke: a CRL the CA signs, which the aggregator reads and checks against the CA.</summary>
public sealed class RevocationTests : IDisposable
{
    private readonly TestPki _pki = new(sites: 3);
    private readonly TestPki _otherFederation = new(sites: 1);

    public void Dispose()
    {
        _pki.Dispose();
        _otherFederation.Dispose();
    }

    [Fact]
    public void Revoking_lists_the_sites_serial_in_a_CRL_signed_by_the_CA_and_keeps_earlier_revocations()
    {
        var report = new List<string>();
        FederationRevocation.Revoke(_pki.Layout, "site-01", report.Add);
        FederationRevocation.Revoke(_pki.Layout, "site-03", report.Add);
        FederationRevocation.Revoke(_pki.Layout, "site-03", report.Add);

        RevocationList list = RevocationList.Parse(File.ReadAllBytes(_pki.Layout.RevocationList), _pki.Ca);
        using X509Certificate2 first = _pki.Site("site-01"), second = _pki.Site("site-02"), third = _pki.Site("site-03");
        Assert.True(list.TryGetRevocation(first, out DateTimeOffset revokedAt));
        Assert.InRange(revokedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(list.TryGetRevocation(second, out _));
        Assert.True(list.TryGetRevocation(third, out _));
        Assert.Equal(2, list.Count);
        Assert.Contains("list number 2", report[1], StringComparison.Ordinal);
        Assert.Contains("site-03 was already revoked", report[2], StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN X509 CRL-----", File.ReadAllText(_pki.Layout.RevocationList), StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_checked_against_another_federations_CA_is_refused()
    {
        FederationRevocation.Revoke(_pki.Layout, "site-01", _ => { });
        // The other CA has the same name (both federations are called FedFace): only the signature tells them apart.
        var error = Assert.Throws<InvalidDataException>(() => RevocationList.Parse(File.ReadAllBytes(_pki.Layout.RevocationList), _otherFederation.Ca));
        Assert.Equal("the CRL's signature does not verify against the federation CA 'CN=FedFace Federation CA, O=FedFace'", error.Message);
    }

    [Fact]
    public void A_list_whose_signature_was_altered_is_refused()
    {
        FederationRevocation.Revoke(_pki.Layout, "site-01", _ => { });
        string pem = File.ReadAllText(_pki.Layout.RevocationList);
        byte[] der = Convert.FromBase64String(pem[System.Security.Cryptography.PemEncoding.Find(pem).Base64Data]);
        der[^5] ^= 0x01; // inside the signature's r or s
        var error = Assert.Throws<InvalidDataException>(() => RevocationList.Parse(der, _pki.Ca));
        Assert.Contains("does not verify against the federation CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoking_a_site_without_a_certificate_says_so()
    {
        var error = Assert.Throws<InvalidOperationException>(() => FederationRevocation.Revoke(_pki.Layout, "site-09", _ => { }));
        Assert.Contains("No certificate for site-09", error.Message, StringComparison.Ordinal);
    }
}
