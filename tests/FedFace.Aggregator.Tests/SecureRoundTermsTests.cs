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
}
