using System.Security.Cryptography.X509Certificates;
using CsCheck;
using FedFace.Certs;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Security;
using FedFace.Protos.V1;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// A secure round's terms as a site reads them from the aggregator's task (the configuration and the sampled sites'
/// certificates), mutated: accepted, or refused with <see cref="SecAggProtocolException"/> saying why.
/// </summary>
public sealed class SecureRoundTermsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_sites = ["site-01", "site-02", "site-03"];
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-fuzz-pki-").FullName;

    [Fact]
    public void A_mutated_secure_round_task_is_accepted_or_refused_by_the_site_with_a_reason()
    {
        PkiLayout pki = FederationPki.Create(Path.Combine(_folder, "pki"), s_sites, federationName: "FedFace-Fuzz", validityDays: 2);
        using X509Certificate2 ca = FederationTrust.LoadCertificate(pki.CaCertificate);
        byte[] configuration = RoundConfiguration.Create(5, s_sites, 24, new SecAggSettings { CoordinateBound = 0.5, MaxWeightPerSite = 100 }).ToBytes();
        byte[][] certificates = [.. s_sites.Select(site => Der(pki.SiteCertificate(site)))];
        Gen<(byte[] Configuration, int Mutated, byte[] Certificate)> cases = Gen.Select(
            Gen.Frequency((1, Gen.Const(configuration)), (1, Mutations.Of([configuration]))), Gen.Int[-1, certificates.Length - 1], Mutations.Of(certificates));

        new FuzzCampaign("secure-round-terms", output) { MaxAllocatedBytes = 4 << 20 }.Run(cases, ciCases: 1500, input =>
        {
            var task = new RoundTask
            {
                Round = 5,
                SecureAggregation = new SecureAggregationTask
                {
                    Configuration = ByteString.CopyFrom(input.Configuration),
                    SiteCertificates = { certificates.Select((der, i) => ByteString.CopyFrom(i == input.Mutated ? input.Certificate : der)) },
                },
            };
            try
            {
                SecureRoundTerms.Read(task, "site-01", ca);
                return null;
            }
            catch (SecAggProtocolException e)
            {
                return e.Message;
            }
        }, input => [.. input.Configuration, .. input.Certificate]);
    }

    private static byte[] Der(string certificatePath)
    {
        using X509Certificate2 certificate = FederationTrust.LoadCertificate(certificatePath);
        return certificate.RawData;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
