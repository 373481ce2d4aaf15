using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Certs;

/// <summary>
/// Revokes site certificates: adds the site's serial to the PKI's CRL (revoked.crl, signed by the CA, its number raised
/// each time) and replaces the file in one rename, so an aggregator that reloads it never reads half a list.
/// </summary>
public static class FederationRevocation
{
    public static void Revoke(PkiLayout layout, string siteId, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(layout);
        string certificatePath = layout.SiteCertificate(siteId);
        if (!File.Exists(layout.CaCertificate) || !File.Exists(layout.CaKey))
            throw new InvalidOperationException($"No CA in '{layout.Directory}' (ca.crt and ca.key): revocation lists are signed where the CA key is kept.");
        if (!File.Exists(certificatePath))
            throw new InvalidOperationException($"No certificate for {siteId} in '{layout.SitesDirectory}': nothing to revoke.");
        using X509Certificate2 ca = X509Certificate2.CreateFromPemFile(layout.CaCertificate, layout.CaKey);
        using X509Certificate2 site = FederationTrust.LoadCertificate(certificatePath);

        if (Load(layout, ca).TryGetRevocation(site, out DateTimeOffset revokedAt))
        {
            report($"kept  {layout.RevocationList} ({siteId} was already revoked on {revokedAt:yyyy-MM-dd HH:mm} UTC)");
            return;
        }
        BigInteger number = 0;
        CertificateRevocationListBuilder builder = File.Exists(layout.RevocationList)
            ? CertificateRevocationListBuilder.LoadPem(File.ReadAllText(layout.RevocationList), out number)
            : new CertificateRevocationListBuilder();
        builder.AddEntry(site, DateTimeOffset.UtcNow, X509RevocationReason.CessationOfOperation);
        // The list stays good for as long as the CA does: it is a file the aggregator reads, not one fetched from a server.
        byte[] crl = builder.Build(ca, number + 1, ca.NotAfter.ToUniversalTime(), HashAlgorithmName.SHA256);

        string partial = layout.RevocationList + ".partial";
        File.WriteAllText(partial, PemEncoding.WriteString("X509 CRL", crl) + "\n");
        File.Move(partial, layout.RevocationList, overwrite: true);
        report($"wrote {layout.RevocationList} (revoked {siteId}, serial {RevocationList.SerialOf(site)}; list number {number + 1})");
    }

    /// <summary>The PKI's revocation list, or an empty one when nothing was revoked yet.</summary>
    internal static RevocationList Load(PkiLayout layout, X509Certificate2 ca)
    {
        if (!File.Exists(layout.RevocationList)) return RevocationList.Empty;
        try
        {
            return RevocationList.Parse(File.ReadAllBytes(layout.RevocationList), ca);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException($"'{layout.RevocationList}': {e.Message}", e);
        }
    }
}
