using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FedFace.Core.Security;

/// <summary>
/// A startup kit's manifest: a header naming the site, then one <c>sha256sum</c> line per signed entry (so
/// <c>sha256sum -c MANIFEST.sha256</c> checks an unpacked kit by hand). The federation CA signs the manifest's bytes;
/// the header's leading '#' means no manifest can ever be read as a certificate or a CRL the same key signs.
/// </summary>
public sealed class StartupKitManifest
{
    private const string HeaderPrefix = "# FedFace startup kit v1 site ";

    private StartupKitManifest(string siteId, IReadOnlyDictionary<string, string> hashes)
    {
        SiteId = siteId;
        Hashes = hashes;
    }

    public string SiteId { get; }

    /// <summary>Entry name → lower-case hex SHA-256.</summary>
    public IReadOnlyDictionary<string, string> Hashes { get; }

    public static byte[] Build(string siteId, IReadOnlyDictionary<string, byte[]> entries)
    {
        var text = new StringBuilder().Append(HeaderPrefix).Append(siteId).Append('\n');
        foreach (string name in StartupKitEntries.Signed)
            text.Append(Convert.ToHexStringLower(SHA256.HashData(entries[name]))).Append("  ").Append(name).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <exception cref="InvalidDataException">with the line that is wrong.</exception>
    public static StartupKitManifest Parse(byte[] manifest)
    {
        string[] lines = Encoding.UTF8.GetString(manifest).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith(HeaderPrefix, StringComparison.Ordinal))
            throw new InvalidDataException($"{StartupKitEntries.Manifest} does not start with '{HeaderPrefix.Trim()}'");
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1))
        {
            string[] parts = line.Split("  ", 2);
            if (parts.Length != 2 || parts[0].Length != 64 || !hashes.TryAdd(parts[1], parts[0]))
                throw new InvalidDataException($"{StartupKitEntries.Manifest} has a malformed or repeated line '{line}'");
        }
        return new StartupKitManifest(lines[0][HeaderPrefix.Length..], hashes);
    }

    /// <summary>The CA's ECDSA P-256 signature over the manifest, as one line of base64.</summary>
    public static byte[] Sign(byte[] manifest, X509Certificate2 caWithKey)
    {
        using ECDsa key = caWithKey.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"'{caWithKey.Subject}' has no ECDSA private key to sign a kit with");
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(key.SignData(manifest, HashAlgorithmName.SHA256)) + "\n");
    }

    public static bool Verify(byte[] manifest, byte[] signature, X509Certificate2 ca)
    {
        using ECDsa? key = ca.GetECDsaPublicKey();
        if (key is null) return false;
        try
        {
            return key.VerifyData(manifest, Convert.FromBase64String(Encoding.ASCII.GetString(signature).Trim()), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The fingerprint a site pins the CA by: SHA-256 of its DER, upper-case hex pairs joined by ':' (as openssl prints it).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(pair => new string(pair)));

    /// <summary>A fingerprint as typed: with or without colons or spaces, any case.</summary>
    public static string NormalizeFingerprint(string text) =>
        string.Join(':', new string([.. text.Where(char.IsAsciiHexDigit)]).ToUpper(CultureInfo.InvariantCulture).Chunk(2).Select(pair => new string(pair)));
}
