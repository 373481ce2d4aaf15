namespace FedFace.Aggregator;

/// <summary>Revoked site certificates (section Aggregator:Revocation).</summary>
public sealed class RevocationOptions
{
    /// <summary>
    /// The federation's revocation list, where <c>fedface-certs revoke</c> writes it (revoked.crl in the PKI folder: a CRL
    /// signed by the federation CA). Read again whenever the file changes, without a restart: a revoked site's next call is
    /// refused (PermissionDenied). A file that does not exist (yet) revokes nothing; one that does not verify stops the
    /// start, and later keeps the previous list in force. Empty: no list at all.
    /// </summary>
    public string ListPath { get; set; } = "certs/generated/revoked.crl";
}
