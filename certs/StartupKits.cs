using System.IO.Compression;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Certs;

/// <summary>A written startup kit and the CA fingerprint the site pins it by.</summary>
public sealed record StartupKit(string Path, string SiteId, string CaFingerprint);

/// <summary>
/// Writes a site's startup kit: one zip with its certificate and key, the CA, starter settings, a start script and a
/// systemd unit, and a manifest of their SHA-256 hashes signed by the federation CA. A site without a certificate gets one
/// (the other sites' are kept), so this is also how a site joins later.
/// </summary>
public static class StartupKits
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Readable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static StartupKit Write(PkiLayout layout, string siteId, Uri aggregatorUrl, string? kitsDirectory = null, int validityDays = 365,
        Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(aggregatorUrl);
        SiteIds.Validate(siteId);
        if (aggregatorUrl.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"The aggregator URL must be https://HOST:PORT, got '{aggregatorUrl}'.", nameof(aggregatorUrl));
        FederationPki.AddSite(layout.Directory, siteId, validityDays, report ?? (_ => { }));

        using X509Certificate2 ca = X509Certificate2.CreateFromPemFile(layout.CaCertificate, layout.CaKey);
        using X509Certificate2 site = FederationTrust.LoadCertificate(layout.SiteCertificate(siteId));
        if (FederationRevocation.Load(layout, ca).TryGetRevocation(site, out DateTimeOffset revokedAt))
            throw new InvalidOperationException($"The certificate of {siteId} was revoked on {revokedAt:yyyy-MM-dd HH:mm} UTC; delete "
                + $"'{layout.SiteCertificate(siteId)}' and its key to issue a new one, then make the kit again.");
        string fingerprint = StartupKitManifest.Fingerprint(ca);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [StartupKitEntries.SiteCertificate] = File.ReadAllBytes(layout.SiteCertificate(siteId)),
            [StartupKitEntries.SiteKey] = File.ReadAllBytes(layout.SiteKey(siteId)),
            [StartupKitEntries.CaCertificate] = File.ReadAllBytes(layout.CaCertificate),
            [StartupKitEntries.Settings] = KitFiles.Settings(aggregatorUrl),
            [StartupKitEntries.StartScript] = KitFiles.StartScript(siteId, fingerprint),
            [StartupKitEntries.SystemdUnit] = KitFiles.SystemdUnit(siteId, fingerprint),
        };
        byte[] manifest = StartupKitManifest.Build(siteId, entries);
        entries[StartupKitEntries.Manifest] = manifest;
        entries[StartupKitEntries.Signature] = StartupKitManifest.Sign(manifest, ca);

        string directory = Directory.CreateDirectory(kitsDirectory ?? layout.KitsDirectory).FullName;
        string path = Path.Combine(directory, siteId + ".zip");
        WriteZip(path, entries);
        report?.Invoke($"wrote {path} (0600: it holds the site's key)");
        return new StartupKit(path, siteId, fingerprint);
    }

    /// <summary>Written beside its final name and renamed over it, so a kit is never seen half written.</summary>
    private static void WriteZip(string path, IReadOnlyDictionary<string, byte[]> entries)
    {
        string partial = path + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var file = new FileStream(partial, options))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            foreach (string name in StartupKitEntries.All)
            {
                ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.ExternalAttributes = (int)(name switch { StartupKitEntries.SiteKey => OwnerOnly, StartupKitEntries.StartScript => Executable, _ => Readable }) << 16;
                using Stream stream = entry.Open();
                stream.Write(entries[name]);
            }
        }
        File.Move(partial, path, overwrite: true);
    }
}
