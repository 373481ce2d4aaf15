using System.Net;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Aggregator;

/// <summary>
/// Decides, during the TLS handshake, whether a peer may talk to the aggregator: it must present a
/// certificate issued by the federation CA for client authentication: a site's, or an operator's (which the services
/// then keep to the admin calls). Every refusal is logged with why.
/// </summary>
public sealed class ClientCertificateGate(X509Certificate2 federationCa, ILogger logger)
{
    public bool Admit(X509Certificate? presented, EndPoint? remote)
    {
        if (presented is null)
        {
            logger.LogWarning("Refused TLS connection from {Remote}: it presented no client certificate (every site needs one issued by the federation CA)", remote);
            return false;
        }
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (FederationTrust.TryValidateOperatorCertificate(certificate, federationCa, out _))
        {
            logger.LogDebug("Admitted operator {Operator} from {Remote}", certificate.Subject, remote);
            return true;
        }
        if (!FederationTrust.TryValidateSiteCertificate(certificate, federationCa, out string siteId, out string reason))
        {
            logger.LogWarning("Refused TLS connection from {Remote}: {Reason}", remote, reason);
            return false;
        }
        logger.LogDebug("Admitted site {Site} from {Remote}", siteId, remote);
        return true;
    }
}
