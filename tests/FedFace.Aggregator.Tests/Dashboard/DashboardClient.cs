using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FedFace.Transport;

namespace FedFace.Aggregator.Tests.Dashboard;

/// <summary>An HTTPS client for the dashboard that trusts the federation CA only, showing <c>clientCertificate</c> or nothing; no redirects followed.</summary>
public static class DashboardClient
{
    public static HttpClient Open(Uri dashboard, X509Certificate2 federationCa, X509Certificate2? clientCertificate = null, CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, presented, _, errors) => AggregatorCertificateCheck.Problem(presented, errors, federationCa) is null,
            },
        };
        return new HttpClient(handler) { BaseAddress = dashboard, Timeout = TimeSpan.FromSeconds(20) };
    }
}
