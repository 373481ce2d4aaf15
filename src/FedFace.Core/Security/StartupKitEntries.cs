namespace FedFace.Core.Security;

/// <summary>
/// The files of a site's startup kit (a zip, flat, nothing else in it): what <c>fedface-certs kit</c> writes and what the
/// site accepts. Everything but the manifest and its signature is listed, with its SHA-256, in the manifest.
/// </summary>
public static class StartupKitEntries
{
    public const string SiteCertificate = "site.crt";
    public const string SiteKey = "site.key";
    public const string CaCertificate = "ca.crt";
    /// <summary>The starter settings: the aggregator's address and the site's folders (section "Site" only).</summary>
    public const string Settings = "appsettings.json";
    public const string StartScript = "start.sh";
    public const string SystemdUnit = "fedface-site.service";
    public const string Manifest = "MANIFEST.sha256";
    public const string Signature = "MANIFEST.sig";

    /// <summary>The entries the manifest covers, in the order it lists them.</summary>
    public static readonly IReadOnlyList<string> Signed = [SiteCertificate, SiteKey, CaCertificate, Settings, StartScript, SystemdUnit];

    public static readonly IReadOnlyList<string> All = [.. Signed, Manifest, Signature];

    /// <summary>The largest entry a kit may hold: certificates, a key and short texts are a few KiB.</summary>
    public const int MaxEntryBytes = 64 * 1024;
}
