using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FedFace.Certs;

/// <summary>
/// Makes a federation PKI (CA, aggregator, sites) as PEM files, or extends an existing one: an existing
/// CA is reused, existing certificates are kept, only missing site certificates are added, and no
/// existing key is ever overwritten.
/// </summary>
public static class FederationPki
{
    internal const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    /// <summary>The federation's model-signing usage; the same as FederationTrust.ModelSigningOid, which sites check.</summary>
    internal const string ModelSigningOid = "2.25.212841577216016756191240394882060486379";
    /// <summary>The federation's operator usage; the same as FederationTrust.OperatorOid, which the aggregator checks.</summary>
    internal const string OperatorOid = "2.25.275328196067789576493968406943517399860";

    // Every aggregator certificate answers on the local machine, so tests and single-machine runs just work.
    private static readonly string[] LocalAggregatorNames = ["localhost", "127.0.0.1", "::1"];

    // Back-dating tolerates clocks between the issuing machine and the peers that differ by a few minutes.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode CertificateMode = PrivateKeyMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static PkiLayout Create(string directory, IReadOnlyList<string> siteIds, IReadOnlyList<string>? aggregatorNames = null,
        string federationName = "FedFace", int validityDays = 365)
        => Create(directory, siteIds, aggregatorNames, federationName, validityDays, report: _ => { });

    /// <param name="report">Receives one line per file written or kept (the command-line tool prints them).</param>
    internal static PkiLayout Create(string directory, IReadOnlyList<string> siteIds, IReadOnlyList<string>? aggregatorNames,
        string federationName, int validityDays, Action<string> report)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(siteIds);
        ArgumentException.ThrowIfNullOrWhiteSpace(federationName);
        ArgumentOutOfRangeException.ThrowIfLessThan(validityDays, 1);
        foreach (string siteId in siteIds) SiteIds.Validate(siteId);
        if (siteIds.Distinct(StringComparer.Ordinal).Count() != siteIds.Count)
            throw new ArgumentException("Site ids must be unique.", nameof(siteIds));
        string[] names = [.. LocalAggregatorNames.Concat(aggregatorNames ?? []).Select(CheckAggregatorName).Distinct(StringComparer.OrdinalIgnoreCase)];

        var layout = new PkiLayout(Path.GetFullPath(directory));
        Directory.CreateDirectory(layout.SitesDirectory);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        using X509Certificate2 ca = LoadOrCreateCa(layout, federationName, now, validityDays, report);
        // A certificate may not start before its issuer (a CA made moments ago is back-dated by the same skew)…
        DateTimeOffset notBefore = Max(now - ClockSkew, ca.NotBefore.ToUniversalTime());
        DateTimeOffset notAfter = now.AddDays(validityDays);
        DateTimeOffset caNotAfter = ca.NotAfter.ToUniversalTime();
        if (notAfter > caNotAfter)
        {
            // …nor outlive it. (A fresh CA differs only by its whole-second NotAfter: no note for that.)
            if (notAfter - caNotAfter > TimeSpan.FromMinutes(1))
                report($"note: new certificates end with the CA on {Format(caNotAfter)}");
            notAfter = caNotAfter;
        }

        EnsureLeaf(layout.AggregatorCertificate, layout.AggregatorKey, ca, report,
            issue: () => IssueAggregatorCertificate(ca, names, federationName, notBefore, notAfter),
            checkKept: kept => CheckAggregatorNames(kept, names, layout.AggregatorCertificate, layout.AggregatorKey));
        // Added to an older PKI too, which had none: the aggregator then signs with it instead of its TLS key.
        EnsureLeaf(layout.ModelSigningCertificate, layout.ModelSigningKey, ca, report,
            issue: () => IssueModelSigningCertificate(ca, names, federationName, notBefore, notAfter),
            checkKept: kept => CheckAggregatorNames(kept, names, layout.ModelSigningCertificate, layout.ModelSigningKey));
        // Added to an older PKI too: status and the dashboard need it.
        EnsureLeaf(layout.OperatorCertificate, layout.OperatorKey, ca, report,
            issue: () => IssueOperatorCertificate(ca, federationName, notBefore, notAfter),
            checkKept: _ => { });
        foreach (string siteId in siteIds)
            EnsureLeaf(layout.SiteCertificate(siteId), layout.SiteKey(siteId), ca, report,
                issue: () => IssueSiteCertificate(ca, siteId, federationName, notBefore, notAfter),
                checkKept: _ => { });
        return layout;
    }

    /// <summary>
    /// Adds one site to an existing PKI, or keeps its certificate if it has one: every other certificate stays as it is, and
    /// the new one carries the federation name of the CA.
    /// </summary>
    internal static PkiLayout AddSite(string directory, string siteId, int validityDays, Action<string> report)
    {
        var layout = new PkiLayout(Path.GetFullPath(directory));
        if (!File.Exists(layout.CaCertificate))
            throw new InvalidOperationException($"No CA in '{layout.Directory}': make the federation's PKI first (fedface-certs --out DIR --sites N).");
        string federationName;
        using (X509Certificate2 ca = FedFace.Core.Security.FederationTrust.LoadCertificate(layout.CaCertificate))
            federationName = OrganizationOf(ca) ?? "FedFace";
        return Create(layout.Directory, [siteId], aggregatorNames: null, federationName, validityDays, report);
    }

    private static string? OrganizationOf(X509Certificate2 certificate) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(name => !name.HasMultipleElements && name.GetSingleElementType().Value == "2.5.4.10")
            .Select(name => name.GetSingleElementValue())
            .FirstOrDefault();

    /// <summary>Issues a site certificate: CN = site id, clientAuth only, SAN URI fedface://site/&lt;id&gt;.
    /// Internal so tests can issue certificates with any validity (for example one already expired).</summary>
    internal static X509Certificate2 IssueSiteCertificate(X509Certificate2 ca, string siteId, string federationName,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(SiteIds.Uri(siteId));
        return Issue(ca, Subject(siteId, federationName), [ClientAuthOid], names, notBefore, notAfter);
    }

    /// <summary>
    /// The operator's certificate: clientAuth (the aggregator's TLS admits it) and the operator usage, which lets it read the
    /// federation's status and keeps it out of every site call. CN "operator", SAN URI fedface://operator.
    /// </summary>
    internal static X509Certificate2 IssueOperatorCertificate(X509Certificate2 ca, string federationName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri("fedface://operator"));
        return Issue(ca, Subject("operator", federationName), [ClientAuthOid, OperatorOid], names, notBefore, notAfter);
    }

    internal static X509Certificate2 IssueAggregatorCertificate(X509Certificate2 ca, IEnumerable<string> hostNames, string federationName,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
        => Issue(ca, Subject("aggregator", federationName), [ServerAuthOid], AggregatorNames(hostNames), notBefore, notAfter);

    /// <summary>
    /// The aggregator's model-signing certificate: the project's model-signing usage only (never serverAuth), and the
    /// aggregator's names, so a site can check that the aggregator it dialled signed the model.
    /// </summary>
    internal static X509Certificate2 IssueModelSigningCertificate(X509Certificate2 ca, IEnumerable<string> hostNames, string federationName,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
        => Issue(ca, Subject("aggregator model signing", federationName), [ModelSigningOid], AggregatorNames(hostNames), notBefore, notAfter);

    private static SubjectAlternativeNameBuilder AggregatorNames(IEnumerable<string> hostNames)
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (string name in hostNames)
        {
            if (IPAddress.TryParse(name, out IPAddress? address)) names.AddIpAddress(address);
            else names.AddDnsName(name);
        }
        return names;
    }

    private static X509Certificate2 LoadOrCreateCa(PkiLayout layout, string federationName, DateTimeOffset now, int validityDays, Action<string> report)
    {
        bool haveCertificate = File.Exists(layout.CaCertificate), haveKey = File.Exists(layout.CaKey);
        if (haveCertificate && haveKey)
        {
            X509Certificate2 ca = LoadPair(layout.CaCertificate, layout.CaKey);
            if (ca.NotAfter.ToUniversalTime() <= now)
            {
                string expired = Format(ca.NotAfter.ToUniversalTime());
                ca.Dispose();
                throw new InvalidOperationException($"The CA in '{layout.CaCertificate}' expired on {expired}; rotate: make a new PKI in an empty folder.");
            }
            report($"kept  {layout.CaCertificate} (existing CA '{ca.Subject}', valid until {Format(ca.NotAfter.ToUniversalTime())})");
            return ca;
        }
        if (haveCertificate)
            throw new InvalidOperationException($"Found '{layout.CaCertificate}' but not its key '{layout.CaKey}': new certificates can only be issued where the CA key is kept.");
        if (haveKey)
            throw new InvalidOperationException($"Found '{layout.CaKey}' without '{layout.CaCertificate}'; refusing to overwrite an existing key. Restore ca.crt, or use an empty folder for a new CA.");
        string? orphan = new[] { layout.AggregatorCertificate, layout.AggregatorKey, layout.ModelSigningCertificate, layout.ModelSigningKey,
                layout.OperatorCertificate, layout.OperatorKey }
            .Concat(Directory.EnumerateFiles(layout.SitesDirectory, "*.key"))
            .Concat(Directory.EnumerateFiles(layout.SitesDirectory, "*.crt"))
            .FirstOrDefault(File.Exists);
        if (orphan is not null)
            throw new InvalidOperationException($"'{orphan}' exists but there is no CA in '{layout.Directory}'; to rotate, make the new PKI in an empty folder.");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject($"{federationName} Federation CA", federationName), key, HashAlgorithmName.SHA256);
        // pathlen 0: the CA signs end-entity certificates only, never another CA.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        X509Certificate2 created = request.CreateSelfSigned(now - ClockSkew, now.AddDays(validityDays));
        WriteKeyThenCertificate(layout.CaCertificate, layout.CaKey, created, report);
        return created;
    }

    private static void EnsureLeaf(string certificatePath, string keyPath, X509Certificate2 ca, Action<string> report,
        Func<X509Certificate2> issue, Action<X509Certificate2> checkKept)
    {
        bool haveCertificate = File.Exists(certificatePath), haveKey = File.Exists(keyPath);
        if (!haveCertificate && !haveKey)
        {
            using X509Certificate2 issued = issue();
            WriteKeyThenCertificate(certificatePath, keyPath, issued, report);
            return;
        }
        if (!haveCertificate)
            throw new InvalidOperationException($"Found '{keyPath}' without '{certificatePath}' (an interrupted run?); refusing to overwrite an existing key. Delete the key to reissue.");
        if (!haveKey)
            throw new InvalidOperationException($"Found '{certificatePath}' without its key '{keyPath}'; delete the certificate to reissue it.");

        using X509Certificate2 kept = LoadPair(certificatePath, keyPath);
        if (!WasIssuedBy(kept, ca))
            throw new InvalidOperationException($"'{certificatePath}' was not issued by the CA in this folder; delete it and its key to reissue.");
        checkKept(kept);
        string validity = kept.NotAfter.ToUniversalTime() <= DateTimeOffset.UtcNow
            ? $"EXPIRED on {Format(kept.NotAfter.ToUniversalTime())}; delete it and its key to reissue"
            : $"valid until {Format(kept.NotAfter.ToUniversalTime())}";
        report($"kept  {certificatePath} ({validity})");
    }

    private static void CheckAggregatorNames(X509Certificate2 kept, IEnumerable<string> wanted, string certificatePath, string keyPath)
    {
        var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (X509SubjectAlternativeNameExtension san in kept.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            present.UnionWith(san.EnumerateDnsNames());
            present.UnionWith(san.EnumerateIPAddresses().Select(a => a.ToString()));
        }
        string[] missing = [.. wanted.Where(n => !present.Contains(IPAddress.TryParse(n, out IPAddress? a) ? a.ToString() : n))];
        if (missing.Length > 0)
            throw new InvalidOperationException(
                $"The existing certificate '{certificatePath}' lacks the aggregator name(s) {string.Join(", ", missing)}; delete it and '{keyPath}' to reissue it with them.");
    }

    private static X509Certificate2 LoadPair(string certificatePath, string keyPath)
    {
        try { return X509Certificate2.CreateFromPemFile(certificatePath, keyPath); }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"Cannot reuse '{certificatePath}' with '{keyPath}': unreadable or not a matching pair ({e.Message}).", e);
        }
    }

    private static bool WasIssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // Only the issuer matters here; an expired certificate is reported, not refused.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(certificate);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, X500DistinguishedName subject, string[] extendedKeyUsageOids,
        SubjectAlternativeNameBuilder alternativeNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // One role each: an aggregator certificate cannot act as a site, nor a site as the aggregator or an operator.
        var usages = new OidCollection();
        foreach (string oid in extendedKeyUsageOids) usages.Add(new Oid(oid));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using X509Certificate2 certificate = request.Create(ca, notBefore, notAfter, NewSerialNumber());
        return certificate.CopyWithPrivateKey(key);
    }

    private static X500DistinguishedName Subject(string commonName, string federationName)
    {
        var builder = new X500DistinguishedNameBuilder();
        // The builder encodes in reverse order of the calls: this gives O, CN on the wire, shown as "CN=…, O=…".
        builder.AddCommonName(commonName);
        builder.AddOrganizationName(federationName);
        return builder.Build();
    }

    private static byte[] NewSerialNumber()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive and minimal in DER
        return serial;
    }

    private static string CheckAggregatorName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!IPAddress.TryParse(name, out _) && Uri.CheckHostName(name) != UriHostNameType.Dns)
            throw new ArgumentException($"Aggregator name '{name}' is neither an IP address nor a DNS name.", nameof(name));
        return name;
    }

    private static void WriteKeyThenCertificate(string certificatePath, string keyPath, X509Certificate2 certificate, Action<string> report)
    {
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException("An issued certificate has no private key.");
        using (key)
            WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem(), PrivateKeyMode);
        WriteNew(certificatePath, certificate.ExportCertificatePem(), CertificateMode);
        report($"wrote {keyPath} (0600)");
        report($"wrote {certificatePath} ('{certificate.Subject}', valid until {Format(certificate.NotAfter.ToUniversalTime())})");
    }

    /// <summary>Creates the file with its final mode, so a key is never world-readable, not even briefly;
    /// CreateNew refuses to replace a file that appeared in the meantime.</summary>
    private static void WriteNew(string path, string pem, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        using var writer = new StreamWriter(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        writer.Write(pem);
        writer.Write('\n');
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Format(DateTimeOffset utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
