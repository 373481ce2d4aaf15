using System.IO.Compression;
using System.Text;
using FedFace.Core.Security;
using FedFace.Transport.Kits;

namespace FedFace.Certs.Tests;

/// <summary>A site's startup kit: made and signed by the CA, checked by the site against the CA it trusts, refused with one reason.</summary>
public sealed class StartupKitTests : IDisposable
{
    private static readonly Uri AggregatorUrl = new("https://fl.example.org:7443");
    private readonly TestPki _pki = new(sites: 2);
    private readonly TestPki _otherFederation = new(sites: 1);
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        _pki.Dispose();
        _otherFederation.Dispose();
        _work.Dispose();
    }

    [Fact]
    public void A_kit_checked_against_the_pinned_CA_fingerprint_unpacks_the_sites_credentials_and_settings()
    {
        StartupKit kit = StartupKits.Write(_pki.Layout, "site-01", AggregatorUrl, _work.Path);

        Assert.Equal(StartupKitManifest.Fingerprint(_pki.Ca), kit.CaFingerprint);
        VerifiedStartupKit verified = VerifiedStartupKit.Open(kit.Path, new KitTrust.Fingerprint(kit.CaFingerprint.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant()));
        UnpackedKit unpacked = verified.Unpack(Path.Combine(_work.Path, "unpacked"));

        Assert.Equal("site-01", unpacked.SiteId);
        Assert.Equal(File.ReadAllBytes(_pki.Layout.SiteKey("site-01")), File.ReadAllBytes(unpacked.KeyPath));
        Assert.Equal(File.ReadAllBytes(_pki.Layout.CaCertificate), File.ReadAllBytes(unpacked.CaCertificatePath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(unpacked.KeyPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kit.Path));
        }
        Assert.Contains(new KeyValuePair<string, string>("Site:AggregatorUrl", "https://fl.example.org:7443"), unpacked.Settings);
        using var zip = ZipFile.OpenRead(kit.Path);
        Assert.Equal(StartupKitEntries.All, zip.Entries.Select(e => e.FullName));
        string unit = new StreamReader(zip.GetEntry(StartupKitEntries.SystemdUnit)!.Open()).ReadToEnd();
        Assert.Contains($"--kit-ca-fingerprint {kit.CaFingerprint}", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kit_checks_against_the_CA_file_the_site_already_holds()
    {
        StartupKit kit = StartupKits.Write(_pki.Layout, "site-02", AggregatorUrl, _work.Path);

        Assert.Equal("site-02", VerifiedStartupKit.Open(kit.Path, new KitTrust.CaFile(_pki.Layout.CaCertificate)).SiteId);
        string refusal = Refusal(kit.Path, new KitTrust.CaFile(_otherFederation.Layout.CaCertificate));
        Assert.Contains($"not the federation CA in '{_otherFederation.Layout.CaCertificate}'", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kit_for_a_new_site_issues_its_certificate_and_keeps_every_other_file()
    {
        var before = Directory.EnumerateFiles(_pki.Layout.Directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

        StartupKit kit = StartupKits.Write(_pki.Layout, "clinic-07", AggregatorUrl, _work.Path);

        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllText(file.Key)));
        Assert.True(File.Exists(_pki.Layout.SiteCertificate("clinic-07")));
        Assert.Equal("clinic-07", VerifiedStartupKit.Open(kit.Path, new KitTrust.Fingerprint(kit.CaFingerprint)).SiteId);
    }

    [Fact]
    public void An_entry_changed_after_signing_is_refused()
    {
        string refusal = RefusalOfChangedKit(entries => entries[StartupKitEntries.Settings] = Encoding.UTF8.GetBytes("""{"Site":{"AggregatorUrl":"https://evil.example.org"}}"""));
        Assert.Equal($"'{StartupKitEntries.Settings}' does not match the signed manifest: the kit was altered after it was signed", refusal);
    }

    [Fact]
    public void A_kit_re_signed_with_another_CA_is_refused_by_the_pinned_fingerprint()
    {
        string refusal = RefusalOfChangedKit(entries =>
        {
            entries[StartupKitEntries.CaCertificate] = File.ReadAllBytes(_otherFederation.Layout.CaCertificate);
            using var otherCa = _otherFederation.CaWithKey();
            entries[StartupKitEntries.Signature] = StartupKitManifest.Sign(entries[StartupKitEntries.Manifest], otherCa);
        });
        Assert.Contains($"not the pinned {StartupKitManifest.Fingerprint(_pki.Ca)}: it was not made by your federation's CA", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_signed_by_another_CA_is_refused()
    {
        string refusal = RefusalOfChangedKit(entries =>
        {
            using var otherCa = _otherFederation.CaWithKey();
            entries[StartupKitEntries.Signature] = StartupKitManifest.Sign(entries[StartupKitEntries.Manifest], otherCa);
        });
        Assert.Equal("the kit's signature does not verify against the federation CA 'CN=FedFace Federation CA, O=FedFace': it was altered, or signed by another CA", refusal);
    }

    [Fact]
    public void An_entry_that_would_land_outside_the_kit_is_refused_as_zip_slip()
    {
        string refusal = RefusalOfChangedKit(entries => entries["../../etc/cron.d/fedface"] = "* * * * * root sh"u8.ToArray());
        Assert.Equal("entry '../../etc/cron.d/fedface' points outside the kit (zip slip)", refusal);
    }

    [Fact]
    public void An_oversized_entry_is_refused()
    {
        string refusal = RefusalOfChangedKit(entries => entries[StartupKitEntries.Settings] = new byte[StartupKitEntries.MaxEntryBytes + 1]);
        Assert.Equal($"entry '{StartupKitEntries.Settings}' is larger than the {StartupKitEntries.MaxEntryBytes} bytes a kit entry may hold", refusal);
    }

    [Fact]
    public void A_missing_entry_is_refused()
    {
        string refusal = RefusalOfChangedKit(entries => entries.Remove(StartupKitEntries.Signature));
        Assert.Equal($"the kit lacks '{StartupKitEntries.Signature}'", refusal);
    }

    [Fact]
    public void An_extra_entry_is_refused()
    {
        string refusal = RefusalOfChangedKit(entries => entries["notes.txt"] = "hello"u8.ToArray());
        Assert.StartsWith("unexpected entry 'notes.txt' (a kit holds site.crt, site.key, ca.crt,", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kit_for_a_revoked_site_is_not_made()
    {
        FederationRevocation.Revoke(_pki.Layout, "site-02", _ => { });
        var error = Assert.Throws<InvalidOperationException>(() => StartupKits.Write(_pki.Layout, "site-02", AggregatorUrl, _work.Path));
        Assert.StartsWith("The certificate of site-02 was revoked on ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_site_command_line_turns_a_kit_into_settings_its_own_flags_still_override()
    {
        StartupKit kit = StartupKits.Write(_pki.Layout, "site-01", AggregatorUrl, _work.Path);
        string directory = Path.Combine(_work.Path, "run");

        string[] args = SiteKitArguments.Expand(["--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", directory, "--Site:Seed", "7"]);

        Assert.Contains("--Site:AggregatorUrl=https://fl.example.org:7443", args);
        Assert.Contains($"--Site:KeyPath={Path.Combine(directory, StartupKitEntries.SiteKey)}", args);
        Assert.Equal(["--Site:Seed", "7"], args[^2..]);
        Assert.Equal(["--Site:Seed", "7"], SiteKitArguments.Expand(["--Site:Seed", "7"]));
    }

    [Theory]
    [InlineData("--kit needs --kit-ca-fingerprint", "--kit", "KIT")]
    [InlineData("not both", "--kit", "KIT", "--kit-ca", "ca.crt", "--kit-ca-fingerprint", "AB")]
    [InlineData("go with --kit", "--kit-dir", "somewhere")]
    [InlineData("--kit needs a value", "--kit")]
    public void Kit_flags_used_wrongly_are_refused_with_what_is_missing(string expected, params string[] args)
    {
        var error = Assert.Throws<StartupKitException>(() => SiteKitArguments.Expand(args));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_kit_names_the_kit_and_the_reason()
    {
        string path = Path.Combine(_work.Path, "site-09.zip");
        var error = Assert.Throws<StartupKitException>(() => SiteKitArguments.Expand(["--kit", path, "--kit-ca-fingerprint", "AB"]));
        Assert.Equal($"kit '{path}' refused: there is no kit file '{path}'", error.Message);
    }

    [Fact]
    public void A_kit_folder_that_cannot_be_written_is_one_line_naming_it()
    {
        StartupKit kit = StartupKits.Write(_pki.Layout, "site-01", AggregatorUrl, _work.Path);
        string blocked = Path.Combine(_work.Path, "a-file");
        File.WriteAllText(blocked, "not a folder");

        var error = Assert.Throws<StartupKitException>(() =>
            SiteKitArguments.Expand(["--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", Path.Combine(blocked, "kit")]));
        Assert.StartsWith($"cannot unpack kit '{kit.Path}' into '{Path.Combine(blocked, "kit")}' (", error.Message, StringComparison.Ordinal);
    }

    private string RefusalOfChangedKit(Action<Dictionary<string, byte[]>> change)
    {
        StartupKit kit = StartupKits.Write(_pki.Layout, "site-01", AggregatorUrl, _work.Path);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (ZipArchive zip = ZipFile.OpenRead(kit.Path))
        {
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                using var content = new MemoryStream();
                entry.Open().CopyTo(content);
                entries[entry.FullName] = content.ToArray();
            }
        }
        change(entries);
        string changed = Path.Combine(_work.Path, "changed.zip");
        using (ZipArchive zip = ZipFile.Open(changed, ZipArchiveMode.Create))
        {
            foreach ((string name, byte[] content) in entries)
            {
                using Stream stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return Refusal(changed, new KitTrust.Fingerprint(kit.CaFingerprint));
    }

    private static string Refusal(string kit, KitTrust trust) => Assert.Throws<StartupKitException>(() => VerifiedStartupKit.Open(kit, trust)).Message;
}
