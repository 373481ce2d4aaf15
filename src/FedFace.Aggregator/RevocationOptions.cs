namespace FedFace.Aggregator;

/// <summary>Revoked site certificates (section Aggregator:Revocation).</summary>
public sealed class RevocationOptions
{
    /// <summary>
    /// The federation's revocation list, as <c>fedface-certs revoke</c> writes it (revoked.crl: a CRL signed by the federation
    /// CA). Read again whenever the file changes, without a restart: a revoked site's next call is refused (PermissionDenied).
    /// Empty: no list. A file that does not exist yet revokes nothing; one that does not verify keeps the previous list.
    /// </summary>
    public string ListPath { get; set; } = "";

    public IEnumerable<string> Problems(string section)
    {
        string? folder = ListPath.Length == 0 ? null : Path.GetDirectoryName(Path.GetFullPath(ListPath));
        if (folder is not null && !Directory.Exists(folder))
            yield return $"{section}:ListPath '{ListPath}' is in a folder that does not exist";
    }
}
