using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using FedFace.Core.Security;

namespace FedFace.Transport.Kits;

/// <summary>The files a site starts from, once unpacked, and the kit's settings (keys of section "Site" only).</summary>
public sealed record UnpackedKit(string SiteId, string CertificatePath, string KeyPath, string CaCertificatePath, IReadOnlyList<KeyValuePair<string, string>> Settings);

/// <summary>
/// A startup kit whose signature, hashes and site certificate were checked against the federation CA the site trusts.
/// Nothing of a kit is used before <see cref="Open"/> has checked all of it.
/// </summary>
public sealed class VerifiedStartupKit
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly IReadOnlyDictionary<string, byte[]> _entries;

    private VerifiedStartupKit(string siteId, IReadOnlyDictionary<string, byte[]> entries)
    {
        SiteId = siteId;
        _entries = entries;
    }

    public string SiteId { get; }

    /// <exception cref="StartupKitException">with the one-line reason the kit was refused.</exception>
    public static VerifiedStartupKit Open(string path, KitTrust trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        IReadOnlyDictionary<string, byte[]> entries = StartupKitArchive.Read(path);
        using X509Certificate2 kitCa = Certificate(entries, StartupKitEntries.CaCertificate);
        using X509Certificate2 ca = trust.Accept(kitCa);
        byte[] manifestBytes = entries[StartupKitEntries.Manifest];
        if (!StartupKitManifest.Verify(manifestBytes, entries[StartupKitEntries.Signature], ca))
            throw new StartupKitException($"the kit's signature does not verify against the federation CA '{ca.Subject}': it was altered, or signed by another CA");
        StartupKitManifest manifest;
        try
        {
            manifest = StartupKitManifest.Parse(manifestBytes);
        }
        catch (InvalidDataException e)
        {
            throw new StartupKitException(e.Message);
        }
        foreach (string name in StartupKitEntries.Signed)
        {
            if (!manifest.Hashes.TryGetValue(name, out string? hash) || hash != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(entries[name])))
                throw new StartupKitException($"'{name}' does not match the signed manifest: the kit was altered after it was signed");
        }
        using X509Certificate2 site = Certificate(entries, StartupKitEntries.SiteCertificate);
        if (!FederationTrust.TryValidateSiteCertificate(site, ca, out string siteId, out string reason))
            throw new StartupKitException($"the kit's site certificate would be refused: {reason}");
        if (siteId != manifest.SiteId)
            throw new StartupKitException($"the kit is signed for site '{manifest.SiteId}' but carries the certificate of '{siteId}'");
        return new VerifiedStartupKit(siteId, entries);
    }

    /// <summary>
    /// Writes the certificate, key and CA into <paramref name="directory"/> (created owner-only; the key 0600), each
    /// replaced in one rename, and returns their paths with the kit's settings.
    /// </summary>
    public UnpackedKit Unpack(string directory)
    {
        string root = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(root);
        else Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string Write(string name)
        {
            string path = Path.Combine(root, name), partial = path + ".partial";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
            using (var file = new FileStream(partial, options)) file.Write(_entries[name]);
            File.Move(partial, path, overwrite: true);
            return path;
        }
        return new UnpackedKit(SiteId, Write(StartupKitEntries.SiteCertificate), Write(StartupKitEntries.SiteKey), Write(StartupKitEntries.CaCertificate), Settings());
    }

    /// <summary>The starter settings as "Site:Key" → value; a key outside section "Site" is refused (a kit configures the site only).</summary>
    private List<KeyValuePair<string, string>> Settings()
    {
        var settings = new List<KeyValuePair<string, string>>();
        try
        {
            using JsonDocument json = JsonDocument.Parse(_entries[StartupKitEntries.Settings]);
            foreach (JsonProperty section in json.RootElement.EnumerateObject())
            {
                if (section.Name != "Site" || section.Value.ValueKind != JsonValueKind.Object)
                    throw new StartupKitException($"the kit's {StartupKitEntries.Settings} may hold section \"Site\" only, not \"{section.Name}\"");
                foreach (JsonProperty setting in section.Value.EnumerateObject())
                {
                    if (setting.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                        throw new StartupKitException($"the kit's setting Site:{setting.Name} must be a single value");
                    settings.Add(new($"Site:{setting.Name}", setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString()! : setting.Value.GetRawText()));
                }
            }
        }
        catch (JsonException e)
        {
            throw new StartupKitException($"the kit's {StartupKitEntries.Settings} is not valid JSON ({e.Message})");
        }
        return settings;
    }

    private static X509Certificate2 Certificate(IReadOnlyDictionary<string, byte[]> entries, string name)
    {
        try
        {
            return X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(entries[name]));
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new StartupKitException($"the kit's '{name}' is not a PEM certificate ({e.Message})");
        }
    }
}
