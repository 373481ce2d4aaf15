namespace FedFace.Aggregator;

/// <summary>Revoked site certificates (section Aggregator:Revocation).</summary>
public sealed class RevocationOptions
{
    /// <summary>
    /// The federation's revocation list, as <c>fedface-certs revoke</c> writes it (a CRL signed by the federation CA). Empty:
    /// revoked.crl beside Aggregator:CaCertificatePath, where the tool writes it in the PKI folder. Read again whenever the
    /// file changes, without a restart: a revoked site's next call is refused (PermissionDenied). A file that does not
    /// exist (yet) revokes nothing; one that does not verify stops the start, and later keeps the previous list in force.
    /// </summary>
    public string ListPath { get; set; } = "";

    /// <summary>The list's path: <see cref="ListPath"/>, or revoked.crl in the folder of the federation CA's certificate.</summary>
    public string Resolve(string caCertificatePath) =>
        ListPath.Length > 0 ? ListPath : Path.Combine(Path.GetDirectoryName(caCertificatePath) ?? "", "revoked.crl");
}
