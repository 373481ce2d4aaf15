using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedFace.Core.Security;

/// <summary>
/// Mutual-TLS trust for the federation (invariant 2): a peer is trusted only if its certificate chains to
/// the federation CA — never to a system root — and carries the extended key usage of its role. A site's
/// identity is the CN of its certificate.
/// </summary>
public static class FederationTrust
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// The federation's own extended key usage for the key that signs published models (a UUID OID, RFC 4122 §2.25 arc):
    /// a certificate with it signs models and nothing else, so no TLS handshake can pass for a model signature.
    /// </summary>
    public const string ModelSigningOid = "2.25.212841577216016756191240394882060486379";

    /// <summary>
    /// The federation's extended key usage for an operator (next to clientAuth): its holder may read the federation's status
    /// (the admin service, the dashboard) and is never taken for a site, so it cannot join, train or upload.
    /// </summary>
    public const string OperatorOid = "2.25.275328196067789576493968406943517399860";
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>Loads a PEM certificate and its PEM private key (PKCS#8, SEC1 or PKCS#1).</summary>
    /// <remarks>The key stays ephemeral (never written to a key store). SslStream and Kestrel use such
    /// certificates on Linux; Windows SChannel cannot, so there it is re-imported through PKCS#12.</remarks>
    public static X509Certificate2 LoadCertificateWithKey(string certificatePemPath, string keyPemPath)
    {
        using X509Certificate2 certificate = LoadCertificate(certificatePemPath);
        string keyPem = ReadFile(keyPemPath, "private key");
        using AsymmetricAlgorithm key = certificate.GetKeyAlgorithm() switch
        {
            "1.2.840.10045.2.1" => ECDsa.Create(),
            "1.2.840.113549.1.1.1" => RSA.Create(),
            string other => throw new CryptographicException($"Certificate '{certificatePemPath}' has a public key of unsupported algorithm {other}."),
        };
        try
        {
            key.ImportFromPem(keyPem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new CryptographicException(
                $"Key file '{keyPemPath}' does not contain a readable, unencrypted PEM {key.SignatureAlgorithm} private key for certificate '{certificatePemPath}' ({e.Message}).", e);
        }
        X509Certificate2 withKey;
        try
        {
            withKey = key is ECDsa ecdsa ? certificate.CopyWithPrivateKey(ecdsa) : certificate.CopyWithPrivateKey((RSA)key);
        }
        catch (ArgumentException e)
        {
            throw new CryptographicException($"Key file '{keyPemPath}' does not match certificate '{certificatePemPath}' ({certificate.Subject}).", e);
        }
        if (!OperatingSystem.IsWindows()) return withKey;
        using (withKey)
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Loads the first certificate of a PEM file (for example the federation CA).</summary>
    public static X509Certificate2 LoadCertificate(string certificatePemPath)
    {
        string pem = ReadFile(certificatePemPath, "certificate");
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new CryptographicException($"Certificate file '{certificatePemPath}' does not contain a readable PEM certificate ({e.Message}).", e);
        }
    }

    /// <summary>Is this the certificate of a federation site? On success <paramref name="siteId"/> is its CN.</summary>
    public static bool TryValidateSiteCertificate(X509Certificate2 presented, X509Certificate2 federationCa, out string siteId, out string failureReason)
    {
        siteId = "";
        if (!TryValidate(presented, federationCa, ClientAuthOid, "client", out failureReason)) return false;
        if (IsOperator(presented))
            return Fail($"certificate '{presented.Subject}' is an operator's, not a site's: it may read the federation's status but never take part", out failureReason);
        try
        {
            if (!TryGetCommonName(presented, out string? commonName, out failureReason)) return false;
            siteId = commonName;
            return true;
        }
        catch (CryptographicException e)
        {
            return Fail($"the subject of certificate '{presented.Subject}' cannot be read ({e.Message})", out failureReason);
        }
    }

    /// <summary>Is this an operator's certificate (clientAuth and the federation's operator usage, from the federation CA)?</summary>
    public static bool TryValidateOperatorCertificate(X509Certificate2 presented, X509Certificate2 federationCa, out string failureReason)
    {
        if (!TryValidate(presented, federationCa, ClientAuthOid, "client", out failureReason)) return false;
        return IsOperator(presented)
            || Fail($"certificate '{presented.Subject}' is not an operator's (no FedFace operator extended key usage): a site certificate cannot read the federation's status", out failureReason);
    }

    /// <summary>Does the certificate carry the operator usage? Says nothing of who issued it: validate first.</summary>
    public static bool IsOperator(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return HasUsage(certificate, OperatorOid);
    }

    /// <summary>Is this the federation's aggregator? The host name is not checked here: SslStream reports a
    /// mismatch as <c>SslPolicyErrors.RemoteCertificateNameMismatch</c>, which the caller's callback must refuse.</summary>
    public static bool TryValidateAggregatorCertificate(X509Certificate2 presented, X509Certificate2 federationCa, out string failureReason)
        => TryValidate(presented, federationCa, ServerAuthOid, "server", out failureReason);

    /// <summary>Is this the federation's model-signing certificate (the project's model-signing usage, no TLS usage)?</summary>
    public static bool TryValidateModelSigningCertificate(X509Certificate2 presented, X509Certificate2 federationCa, out string failureReason)
    {
        if (!TryValidate(presented, federationCa, ModelSigningOid, "model signing", out failureReason)) return false;
        if (HasUsage(presented, ServerAuthOid) || HasUsage(presented, ClientAuthOid))
            return Fail($"certificate '{presented.Subject}' is also valid for TLS: a model-signing key must have no other use", out failureReason);
        return true;
    }

    /// <summary>The site id (subject CN) of a site certificate.</summary>
    public static string SiteIdOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return TryGetCommonName(certificate, out string? commonName, out string failureReason)
            ? commonName
            : throw new InvalidOperationException(failureReason);
    }

    /// <summary>
    /// A certificate that parsed as a whole can still hold fields that do not decode (an extension, a name): the decoder
    /// throws when they are read. Such a certificate is refused like any other, with the decoder's reason.
    /// </summary>
    private static bool TryValidate(X509Certificate2 presented, X509Certificate2 federationCa, string usageOid, string role, out string failureReason)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(federationCa);
        try
        {
            return TryValidateReadable(presented, federationCa, usageOid, role, out failureReason);
        }
        catch (CryptographicException e)
        {
            return Fail($"a presented {role} certificate cannot be read ({e.Message})", out failureReason);
        }
    }

    private static bool TryValidateReadable(X509Certificate2 presented, X509Certificate2 federationCa, string usageOid, string role, out string failureReason)
    {
        string who = $"certificate '{presented.Subject}'";
        DateTime now = DateTime.UtcNow;

        // Time first: an expired certificate from the right CA should say "expired", not "untrusted".
        if (now > presented.NotAfter.ToUniversalTime())
            return Fail($"{who} expired on {Format(presented.NotAfter)}", out failureReason);
        if (now < presented.NotBefore.ToUniversalTime())
            return Fail($"{who} is not valid before {Format(presented.NotBefore)}", out failureReason);
        if (now > federationCa.NotAfter.ToUniversalTime())
            return Fail($"the federation CA '{federationCa.Subject}' expired on {Format(federationCa.NotAfter)}; the federation must rotate its PKI", out failureReason);
        if (presented.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            return Fail($"{who} is a CA certificate, not a {role} certificate", out failureReason);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust; // the federation CA and nothing else
        chain.ChainPolicy.CustomTrustStore.Add(federationCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // no CRL is published yet
        chain.ChainPolicy.DisableCertificateDownloads = true; // never fetch issuers named in the certificate
        if (!chain.Build(presented))
        {
            X509ChainStatusFlags flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            const X509ChainStatusFlags NotOurs = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotSignatureValid;
            return Fail((flags & NotOurs) != 0
                ? $"{who} was not issued by the federation CA ({flags})"
                : $"{who} failed validation against the federation CA ({flags}: {string.Join(" ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})",
                out failureReason);
        }

        // A missing EKU extension would mean "any usage" in X.509; the federation requires it to be explicit.
        string usageName = usageOid switch { ClientAuthOid => "clientAuth", ServerAuthOid => "serverAuth", _ => "FedFace model-signing" };
        if (!HasUsage(presented, usageOid))
            return Fail(usageOid == ModelSigningOid
                ? $"{who} is not the federation's model-signing certificate (no {usageName} extended key usage)"
                : $"{who} is not valid for {role} authentication (no {usageName} extended key usage)", out failureReason);

        failureReason = "";
        return true;
    }

    private static bool HasUsage(X509Certificate2 certificate, string usageOid) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == usageOid));

    private static bool TryGetCommonName(X509Certificate2 certificate, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? commonName, out string failureReason)
    {
        // Exactly one CN: with several, which one is the identity would be a matter of interpretation.
        string[] names = [.. certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == CommonNameOid)
            .Select(r => r.GetSingleElementValue() ?? "")];
        if (names.Length == 1 && !string.IsNullOrWhiteSpace(names[0]))
        {
            commonName = names[0];
            failureReason = "";
            return true;
        }
        commonName = null;
        failureReason = $"certificate '{certificate.Subject}' must have exactly one non-empty common name (CN) to serve as the site id";
        return false;
    }

    private static string ReadFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The {what} file '{path}' does not exist.", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"The {what} file '{path}' cannot be read: permission denied.", e);
        }
    }

    private static bool Fail(string reason, out string failureReason)
    {
        failureReason = reason;
        return false;
    }

    private static string Format(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
