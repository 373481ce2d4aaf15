using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Sites;
using FedFace.Core.Security;

namespace FedFace.Aggregator;

/// <summary>
/// Registers a site before it first calls (a simulator, tests): joined, and its certificate known as if it had presented
/// it, so the first round samples it and a secure round can verify its messages.
/// </summary>
public static class PreJoinedSites
{
    /// <param name="siteCertificate">a certificate the federation CA issued; its CN is the site id.</param>
    public static void Register(IServiceProvider services, X509Certificate2 siteCertificate)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetRequiredService<SiteCertificates>().Remember(siteCertificate);
        services.GetRequiredService<SiteRegistry>().Join(FederationTrust.SiteIdOf(siteCertificate));
    }
}
