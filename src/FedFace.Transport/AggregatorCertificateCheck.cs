using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Transport;

/// <summary>Whether the peer we dialled is the federation's aggregator: its certificate, from the federation CA, for the host we dialled.</summary>
public static class AggregatorCertificateCheck
{
    /// <summary>Why the aggregator's certificate is refused, in one line; null when it is the federation's aggregator.</summary>
    public static string? Problem(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 federationCa)
    {
        if (presented is null)
        {
            return "the aggregator presented no certificate";
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return $"the aggregator's certificate '{presented.Subject}' does not name the host we dialled";
        }
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return FederationTrust.TryValidateAggregatorCertificate(certificate, federationCa, out string reason) ? null : reason;
    }
}
