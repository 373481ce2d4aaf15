using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Transport.SecureAggregation;

/// <summary>Whether the federation CA vouches for a site certificate, and the site id it names (as <see cref="FederationTrust.TryValidateSiteCertificate"/>).</summary>
public delegate bool SiteCertificateValidator(X509Certificate2 presented, X509Certificate2 federationCa, out string siteId, out string failureReason);

/// <summary>A site certificate the federation CA vouched for: the site it names and its ECDSA key, which signs the site's secure-round messages.</summary>
public sealed record VouchedSite(string SiteId, ECDsa PublicKey);

/// <summary>
/// The site certificates a federation CA vouched for, remembered by this process: every secure round hands each sampled
/// site the certificates of all the others, so the sites of one process (a simulator's virtual sites) would read and
/// validate n² certificates a round — 200 virtual sites spent most of their key stages' CPU on it, and most missed the
/// key-advertisement deadline. Only the same certificate bytes under the same CA bytes count as vouched for, their
/// validity periods are checked again at every use, and a refusal is never remembered.
/// </summary>
public sealed class VouchedSiteCertificates(SiteCertificateValidator validate, TimeProvider? clock = null, int capacity = 100_000)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Vouched> _vouched = new(StringComparer.Ordinal);

    /// <summary>The process's own, validating with <see cref="FederationTrust.TryValidateSiteCertificate"/>.</summary>
    public static VouchedSiteCertificates Shared { get; } = new(FederationTrust.TryValidateSiteCertificate);

    /// <exception cref="CryptographicException">the bytes are no certificate.</exception>
    public bool TryVouch(ReadOnlySpan<byte> certificate, X509Certificate2 federationCa, [NotNullWhen(true)] out VouchedSite? site, out string failureReason)
    {
        ArgumentNullException.ThrowIfNull(federationCa);
        string key = Convert.ToHexString(SHA256.HashData(federationCa.RawData)) + Convert.ToHexString(SHA256.HashData(certificate));
        if (_vouched.TryGetValue(key, out Vouched? known) && known.ValidAt(_clock.GetUtcNow()))
        {
            (site, failureReason) = (known.Site, "");
            return true;
        }
        site = null;
        using X509Certificate2 presented = X509CertificateLoader.LoadCertificate(certificate);
        if (!validate(presented, federationCa, out string siteId, out failureReason))
        {
            return false;
        }
        if (presented.GetECDsaPublicKey() is not { } publicKey)
        {
            failureReason = $"the certificate of site '{siteId}' does not hold an ECDSA key";
            return false;
        }
        if (_vouched.Count >= capacity)
        {
            _vouched.Clear(); // a bound, not a policy: the next rounds fill it again with the sites they sample
        }
        site = new VouchedSite(siteId, publicKey);
        _vouched[key] = new Vouched(site, presented.NotBefore.ToUniversalTime(), presented.NotAfter.ToUniversalTime(), federationCa.NotAfter.ToUniversalTime());
        return true;
    }

    private sealed record Vouched(VouchedSite Site, DateTime NotBefore, DateTime NotAfter, DateTime CaNotAfter)
    {
        public bool ValidAt(DateTimeOffset now) => now.UtcDateTime >= NotBefore && now.UtcDateTime <= NotAfter && now.UtcDateTime <= CaNotAfter;
    }
}
