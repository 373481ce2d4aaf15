using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace FedFace.Certs.Tests;

public class FederationPkiTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Create_writes_every_pem_file_with_keys_readable_by_the_owner_only()
    {
        using var pki = new TestPki(sites: 2);
        PkiLayout layout = pki.Layout;
        string[] keys = [layout.CaKey, layout.AggregatorKey, layout.ModelSigningKey, layout.OperatorKey, layout.SiteKey("site-01"), layout.SiteKey("site-02")];
        string[] certificates = [layout.CaCertificate, layout.AggregatorCertificate, layout.ModelSigningCertificate, layout.OperatorCertificate,
            layout.SiteCertificate("site-01"), layout.SiteCertificate("site-02")];

        Assert.All(keys, key => Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key)));
        Assert.All(certificates, certificate => Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(certificate)));
        Assert.All(keys, key => Assert.Equal(OwnerReadWrite, ModeOf(key)));
        Assert.All(certificates, certificate => Assert.True(ModeOf(certificate).HasFlag(UnixFileMode.OtherRead)));
        Assert.Equal(12, Directory.EnumerateFiles(layout.Directory, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void The_ca_signs_end_entity_certificates_only()
    {
        using var pki = new TestPki(sites: 1);
        var constraints = pki.Ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.HasPathLengthConstraint);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, pki.Ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal("1.2.840.10045.2.1", pki.Ca.GetKeyAlgorithm()); // ECDSA
    }

    [Fact]
    public void Aggregator_certificate_is_server_only_and_names_every_address()
    {
        using var pki = new TestPki(sites: 1, aggregatorNames: ["aggregator.example.org", "10.1.2.3"]);
        using X509Certificate2 aggregator = pki.Aggregator();

        var names = aggregator.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost", "aggregator.example.org"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("10.1.2.3")], names.EnumerateIPAddresses());
        Assert.Equal([FederationPki.ServerAuthOid], ExtendedKeyUsages(aggregator));
    }

    [Fact]
    public void The_model_signing_certificate_signs_only_models_never_TLS_and_names_the_aggregator()
    {
        using var pki = new TestPki(sites: 1, aggregatorNames: ["aggregator.example.org"]);
        using X509Certificate2 signing = pki.ModelSigning();
        using X509Certificate2 tls = pki.Aggregator();

        Assert.Equal([FederationPki.ModelSigningOid], ExtendedKeyUsages(signing));
        Assert.Equal(FedFace.Core.Security.FederationTrust.ModelSigningOid, FederationPki.ModelSigningOid); // what sites check
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, signing.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Contains("aggregator.example.org", signing.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.NotEqual(tls.PublicKey.EncodedKeyValue.RawData, signing.PublicKey.EncodedKeyValue.RawData); // a key of its own
        Assert.True(FedFace.Core.Security.FederationTrust.TryValidateModelSigningCertificate(signing, pki.Ca, out string reason), reason);
        Assert.False(FedFace.Core.Security.FederationTrust.TryValidateAggregatorCertificate(signing, pki.Ca, out _)); // never a TLS server
    }

    [Fact]
    public void A_PKI_made_before_model_signing_keys_gets_one_on_rerun_and_keeps_everything_else()
    {
        using var pki = new TestPki(sites: 1);
        PkiLayout layout = pki.Layout;
        File.Delete(layout.ModelSigningCertificate);
        File.Delete(layout.ModelSigningKey);
        string aggregatorBefore = File.ReadAllText(layout.AggregatorCertificate);

        FederationPki.Create(layout.Directory, SiteIds.Numbered("site", 1));

        Assert.True(File.Exists(layout.ModelSigningCertificate) && File.Exists(layout.ModelSigningKey));
        Assert.Equal(aggregatorBefore, File.ReadAllText(layout.AggregatorCertificate));
    }

    [Fact]
    public void Site_certificate_is_client_only_and_carries_its_id()
    {
        using var pki = new TestPki(sites: 1);
        using X509Certificate2 site = pki.Site("site-01");

        Assert.Equal("CN=site-01, O=FedFace", site.Subject);
        Assert.Equal([FederationPki.ClientAuthOid], ExtendedKeyUsages(site));
        Assert.Contains("URI:fedface://site/site-01", site.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false));
    }

    [Fact]
    public void The_operator_certificate_is_a_client_with_the_operator_usage_and_never_a_site()
    {
        using var pki = new TestPki(sites: 1);
        using X509Certificate2 operatorCertificate = pki.Operator();

        Assert.Equal("CN=operator, O=FedFace", operatorCertificate.Subject);
        Assert.Equal([FederationPki.ClientAuthOid, FederationPki.OperatorOid], ExtendedKeyUsages(operatorCertificate));
        Assert.Equal(FedFace.Core.Security.FederationTrust.OperatorOid, FederationPki.OperatorOid); // what the aggregator checks
        Assert.Contains("URI:fedface://operator", operatorCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false));
        Assert.True(FedFace.Core.Security.FederationTrust.TryValidateOperatorCertificate(operatorCertificate, pki.Ca, out string reason), reason);
        Assert.False(FedFace.Core.Security.FederationTrust.TryValidateSiteCertificate(operatorCertificate, pki.Ca, out _, out string asSite));
        Assert.Equal("certificate 'CN=operator, O=FedFace' is an operator's, not a site's: it may read the federation's status but never take part", asSite);
    }

    [Fact]
    public void A_PKI_made_before_operator_certificates_gets_one_on_rerun()
    {
        using var pki = new TestPki(sites: 1);
        PkiLayout layout = pki.Layout;
        File.Delete(layout.OperatorCertificate);
        File.Delete(layout.OperatorKey);

        FederationPki.Create(layout.Directory, SiteIds.Numbered("site", 1));

        Assert.True(File.Exists(layout.OperatorCertificate) && File.Exists(layout.OperatorKey));
    }

    [Fact]
    public void Rerun_keeps_the_ca_and_existing_certificates_and_adds_only_new_sites()
    {
        using var pki = new TestPki(sites: 2);
        PkiLayout layout = pki.Layout;
        var before = Directory.EnumerateFiles(layout.Directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        var report = new List<string>();

        FederationPki.Create(layout.Directory, SiteIds.Numbered("site", 3), aggregatorNames: null, "FedFace", 365, report.Add);

        var after = Directory.EnumerateFiles(layout.Directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        Assert.Equal([layout.SiteCertificate("site-03"), layout.SiteKey("site-03")], after.Keys.Except(before.Keys).Order());
        Assert.All(before, file => Assert.Equal(file.Value, after[file.Key]));
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(after[layout.CaCertificate]);
        Assert.Equal(pki.Ca.Thumbprint, ca.Thumbprint);
        Assert.Equal(2, report.Count(line => line.StartsWith("wrote", StringComparison.Ordinal)));
    }

    [Fact]
    public void Refuses_to_overwrite_a_key_whose_certificate_is_missing()
    {
        using var pki = new TestPki(sites: 1);
        File.Delete(pki.Layout.SiteCertificate("site-01"));

        var error = Assert.Throws<InvalidOperationException>(() => FederationPki.Create(pki.Layout.Directory, ["site-01"]));
        Assert.Contains(pki.Layout.SiteKey("site-01"), error.Message);
        Assert.Contains("refusing to overwrite", error.Message);
    }

    [Fact]
    public void Refuses_to_start_a_new_ca_next_to_old_certificates()
    {
        using var pki = new TestPki(sites: 1);
        File.Delete(pki.Layout.CaCertificate);
        File.Delete(pki.Layout.CaKey);

        var error = Assert.Throws<InvalidOperationException>(() => FederationPki.Create(pki.Layout.Directory, ["site-01"]));
        Assert.Contains("empty folder", error.Message);
    }

    [Fact]
    public void A_new_aggregator_name_on_rerun_asks_for_the_old_certificate_to_be_deleted()
    {
        using var pki = new TestPki(sites: 1);

        var error = Assert.Throws<InvalidOperationException>(() => FederationPki.Create(pki.Layout.Directory, ["site-01"], ["fl.example.org"]));
        Assert.Contains("fl.example.org", error.Message);
        Assert.Contains(pki.Layout.AggregatorKey, error.Message);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("Site-01")]
    [InlineData("site 01")]
    [InlineData("-site")]
    [InlineData("")]
    public void Site_ids_that_are_not_safe_names_are_refused(string siteId)
    {
        using var directory = new TempDirectory();
        var error = Assert.Throws<ArgumentException>(() => FederationPki.Create(directory.Path, [siteId]));
        Assert.Contains($"'{siteId}'", error.Message);
        Assert.Empty(Directory.EnumerateFiles(directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Command_line_makes_numbered_sites_and_says_what_it_wrote()
    {
        using var directory = new TempDirectory();
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = Cli.Run(["--out", directory.Path, "--sites", "3", "--site-prefix", "clinic", "--aggregator-name", "fl.example.org", "--days", "30"], output, error);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        var layout = new PkiLayout(directory.Path);
        Assert.All(new[] { "clinic-01", "clinic-02", "clinic-03" }, id => Assert.Contains($"wrote {layout.SiteCertificate(id)}", output.ToString()));
        using var site = X509Certificate2.CreateFromPem(File.ReadAllText(layout.SiteCertificate("clinic-03")));
        Assert.InRange((site.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 29.9, 30.1);
    }

    [Theory]
    [InlineData("--sites", "3")]
    [InlineData("--out", "x", "--sites", "zero")]
    [InlineData("--out", "x", "--sites", "2", "--colour")]
    public void Command_line_mistakes_are_one_line_pointing_at_the_help(params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(2, Cli.Run(args, TextWriter.Null, error));
        Assert.EndsWith("(see fedface-certs --help)", error.ToString().Trim(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Trim().Split('\n'));
    }

    private static string[] ExtendedKeyUsages(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value ?? "")];

    // The federation runs on Linux; Windows has no Unix file modes to check.
    private static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : File.GetUnixFileMode(path);
}
