using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.SecureAggregation;
using FedFace.Protos.V1;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;

namespace FedFace.Aggregator.Tests;

[Collection(AggregatorCollection.Name)]
public sealed class SecureRoundTermsTests(TestFederation federation)
{
    /// <summary>Found by fuzzing (tests/FedFace.Fuzz.Tests): bytes that are no certificate made the site's round crash instead of refusing it.</summary>
    [Fact]
    public void A_site_refuses_a_secure_round_handing_out_a_certificate_that_cannot_be_read()
    {
        var configuration = RoundConfiguration.Create(5, TestFederation.SiteIds, 24, new SecAggSettings());
        var task = new RoundTask
        {
            Round = 5,
            SecureAggregation = new SecureAggregationTask
            {
                Configuration = ByteString.CopyFrom(configuration.ToBytes()),
                SiteCertificates = { ByteString.CopyFrom([0x30, 0x82, 0x01]) },
            },
        };
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.CaCertificate);

        var refusal = Assert.Throws<SecAggProtocolException>(() => SecureRoundTerms.Read(task, "site-01", ca));

        Assert.StartsWith("round 5 hands out a site certificate that cannot be read (", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A secure round hands every sampled site all the sampled certificates: the sites of one process (200 virtual sites)
    /// built n² chains a round, ~19 s of CPU, and most missed the key-advertisement deadline.
    /// </summary>
    [Fact]
    public void Sites_of_one_process_validate_each_certificate_of_a_secure_round_once_against_the_CA()
    {
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.CaCertificate);
        var validations = new CountingValidator();
        var vouched = new VouchedSiteCertificates(validations.Validate);
        RoundTask task = SecureTaskOf(TestFederation.SiteIds);

        SecureRoundTerms[] terms = [.. TestFederation.SiteIds.Select(site => SecureRoundTerms.Read(task, site, ca, vouched))];

        Assert.Equal(TestFederation.SiteIds.Length, validations.Count);
        Assert.All(terms, t => Assert.All(TestFederation.SiteIds, site => Assert.True(t.SiteKeys.Knows(site))));
    }

    [Fact]
    public void A_vouched_for_certificate_is_validated_again_once_outside_its_validity_period_and_never_taken_as_vouched_for_by_another_CA()
    {
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.CaCertificate);
        using X509Certificate2 otherCa = X509CertificateLoader.LoadCertificateFromFile(federation.OtherPki.CaCertificate);
        using X509Certificate2 site = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.SiteCertificate("site-01"));
        var validations = new CountingValidator();
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        var vouched = new VouchedSiteCertificates(validations.Validate, clock);

        Assert.True(vouched.TryVouch(site.RawData, ca, out VouchedSite? vouchedSite, out _));
        Assert.True(vouched.TryVouch(site.RawData, ca, out _, out _));
        Assert.Equal(("site-01", 1), (vouchedSite?.SiteId, validations.Count));
        clock.Now = site.NotAfter.ToUniversalTime().AddMinutes(1);
        Assert.True(vouched.TryVouch(site.RawData, ca, out _, out _)); // the real validator still runs on today's clock
        Assert.Equal(2, validations.Count);
        Assert.False(vouched.TryVouch(site.RawData, otherCa, out _, out string refusal));
        Assert.Contains("was not issued by the federation CA", refusal, StringComparison.Ordinal);
    }

    private RoundTask SecureTaskOf(IReadOnlyList<string> sites)
    {
        var configuration = RoundConfiguration.Create(5, sites, 24, new SecAggSettings());
        var secure = new SecureAggregationTask { Configuration = ByteString.CopyFrom(configuration.ToBytes()) };
        foreach (string site in sites)
        {
            using X509Certificate2 certificate = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.SiteCertificate(site));
            secure.SiteCertificates.Add(ByteString.CopyFrom(certificate.RawData));
        }
        return new RoundTask { Round = 5, SecureAggregation = secure };
    }

    private sealed class CountingValidator
    {
        private int _count;

        public int Count => _count;

        public bool Validate(X509Certificate2 presented, X509Certificate2 federationCa, out string siteId, out string failureReason)
        {
            Interlocked.Increment(ref _count);
            return Core.Security.FederationTrust.TryValidateSiteCertificate(presented, federationCa, out siteId, out failureReason);
        }
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
