namespace FedFace.Certs;

/// <summary>Where the files of one federation PKI live inside <paramref name="Directory"/>.</summary>
public sealed record PkiLayout(string Directory)
{
    public string CaCertificate => Path.Combine(Directory, "ca.crt");
    public string CaKey => Path.Combine(Directory, "ca.key");
    public string AggregatorCertificate => Path.Combine(Directory, "aggregator.crt");
    public string AggregatorKey => Path.Combine(Directory, "aggregator.key");
    /// <summary>The aggregator's model-signing certificate: its key signs published models and nothing else (no TLS).</summary>
    public string ModelSigningCertificate => Path.Combine(Directory, "model-signing.crt");
    public string ModelSigningKey => Path.Combine(Directory, "model-signing.key");
    /// <summary>The operator's certificate: clientAuth plus the operator usage; reads the federation's status, never joins it.</summary>
    public string OperatorCertificate => Path.Combine(Directory, "operator.crt");
    public string OperatorKey => Path.Combine(Directory, "operator.key");
    public string SitesDirectory => Path.Combine(Directory, "sites");
    /// <summary>The CA-signed list of revoked site certificates (an X.509 CRL, PEM) that the aggregator reloads.</summary>
    public string RevocationList => Path.Combine(Directory, "revoked.crl");
    /// <summary>Where <c>fedface-certs kit</c> writes the sites' startup kits unless told otherwise.</summary>
    public string KitsDirectory => Path.Combine(Directory, "kits");

    public string SiteCertificate(string siteId) => Path.Combine(SitesDirectory, SiteIds.Validate(siteId) + ".crt");
    public string SiteKey(string siteId) => Path.Combine(SitesDirectory, SiteIds.Validate(siteId) + ".key");
}
