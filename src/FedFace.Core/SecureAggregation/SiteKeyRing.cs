using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The certificate public keys (ECDSA P-256) of the federation's sites, by site id: what the server and
/// the sites check key advertisements and masked inputs against. A site signs with its certificate's
/// private key through <see cref="Signer"/>. Signatures are ECDSA with SHA-256 in IEEE P1363 form (r‖s).
/// </summary>
public sealed class SiteKeyRing
{
    private readonly Dictionary<string, ECDsa> _keys;

    /// <param name="publicKeys">site id → key; the ring uses the keys for verification only and does not own them.</param>
    public SiteKeyRing(IReadOnlyDictionary<string, ECDsa> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        _keys = new Dictionary<string, ECDsa>(publicKeys, StringComparer.Ordinal);
    }

    /// <summary>A ring from site certificates (already validated against the federation CA): the site id is
    /// each certificate's CN, as for mutual TLS.</summary>
    public static SiteKeyRing FromCertificates(IEnumerable<X509Certificate2> siteCertificates)
    {
        ArgumentNullException.ThrowIfNull(siteCertificates);
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (X509Certificate2 certificate in siteCertificates)
        {
            string siteId = FederationTrust.SiteIdOf(certificate);
            keys[siteId] = certificate.GetECDsaPublicKey()
                ?? throw new ArgumentException($"the certificate of site '{siteId}' does not hold an ECDSA key", nameof(siteCertificates));
        }
        return new SiteKeyRing(keys);
    }

    /// <summary>Signs with a site's certificate key (what <see cref="SecAggClient"/> takes).</summary>
    public static Func<byte[], byte[]> Signer(ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        return data =>
        {
            lock (privateKey) return privateKey.SignData(data, HashAlgorithmName.SHA256);
        };
    }

    public bool Knows(string siteId) => _keys.ContainsKey(siteId);

    /// <summary>Does <paramref name="signature"/> over <paramref name="data"/> verify against the site's certificate key?</summary>
    public bool Verify(string siteId, byte[] data, byte[] signature, out string failureReason)
    {
        if (!_keys.TryGetValue(siteId, out ECDsa? key))
        {
            failureReason = $"no certificate key is known for site '{siteId}'";
            return false;
        }
        bool valid;
        lock (key) valid = key.VerifyData(data, signature, HashAlgorithmName.SHA256); // one key object is not documented as thread-safe
        failureReason = valid ? "" : $"the signature does not verify against the certificate key of site '{siteId}'";
        return valid;
    }
}
