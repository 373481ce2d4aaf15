using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FedFace.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace FedFace.Certs.Tests;

/// <summary>Real handshakes over loopback with the generated PEM files and ephemeral keys, as the
/// aggregator (server) and the sites (clients) will run them.</summary>
public sealed class MutualTlsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly TestPki _pki = new(sites: 1);
    private readonly TestPki _otherFederation = new(sites: 1);

    public void Dispose()
    {
        _pki.Dispose();
        _otherFederation.Dispose();
    }

    [Fact]
    public async Task SslStream_handshake_succeeds_and_the_server_learns_the_site_id()
    {
        using X509Certificate2 site = _pki.Site("site-01");
        Handshake result = await RunSslStreamHandshake(site);

        Assert.Null(result.ServerError);
        Assert.Null(result.ClientError);
        Assert.Equal("site-01", result.ServerSawSite);
        Assert.Equal("hello site-01", result.ClientReceived);
    }

    [Fact]
    public async Task SslStream_handshake_fails_for_a_site_of_another_federation()
    {
        using X509Certificate2 stranger = _otherFederation.Site("site-01");
        Handshake result = await RunSslStreamHandshake(stranger);

        Assert.IsType<AuthenticationException>(result.ServerError);
        Assert.Contains("was not issued by the federation CA", result.ServerRefusal);
        Assert.Null(result.ServerSawSite);
        // With TLS 1.3 the client learns of the refusal only on its first read, as an error or end of stream.
        Assert.True(result.ClientError is not null || result.ClientReceived == "", $"client received '{result.ClientReceived}'");
    }

    [Fact]
    public async Task Kestrel_serves_http2_with_the_pem_files_and_names_the_calling_site()
    {
        await using WebApplication aggregator = await StartKestrel();
        using X509Certificate2 site = _pki.Site("site-01");
        using HttpClient client = SiteClient(site);

        string body = await client.GetStringAsync(new Uri(aggregator.Urls.Single() + "/whoami")).WaitAsync(Timeout);

        Assert.Equal("site-01", body);
    }

    [Fact]
    public async Task Kestrel_refuses_a_site_of_another_federation()
    {
        await using WebApplication aggregator = await StartKestrel();
        using X509Certificate2 stranger = _otherFederation.Site("site-01");
        using HttpClient client = SiteClient(stranger);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(new Uri(aggregator.Urls.Single() + "/whoami")).WaitAsync(Timeout));
    }

    private sealed record Handshake(string? ServerSawSite, string? ServerRefusal, Exception? ServerError, string? ClientReceived, Exception? ClientError);

    private async Task<Handshake> RunSslStreamHandshake(X509Certificate2 clientCertificate)
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using X509Certificate2 serverCertificate = _pki.Aggregator();
        string? sawSite = null, refusal = null;

        Task server = Task.Run(async () =>
        {
            using TcpClient connection = await listener.AcceptTcpClientAsync(cancel.Token);
            await using var tls = new SslStream(connection.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not X509Certificate2 presented) return Refuse("no client certificate", out refusal);
                    if (!FederationTrust.TryValidateSiteCertificate(presented, _pki.Ca, out string siteId, out string reason)) return Refuse(reason, out refusal);
                    sawSite = siteId;
                    return true;
                },
            }, cancel.Token);
            await tls.WriteAsync(Encoding.UTF8.GetBytes($"hello {sawSite}"), cancel.Token);
        }, cancel.Token);

        string? received = null;
        Exception? clientError = null;
        try
        {
            using var connection = new TcpClient();
            await connection.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
            await using var tls = new SslStream(connection.GetStream());
            await tls.AuthenticateAsClientAsync(SiteTlsOptions(clientCertificate, "localhost"), cancel.Token);
            var reader = new StreamReader(tls, Encoding.UTF8);
            received = await reader.ReadToEndAsync(cancel.Token);
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            clientError = e;
        }

        Exception? serverError = null;
        try
        {
            await server;
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            serverError = e;
        }
        return new Handshake(sawSite, refusal, serverError, received, clientError);
    }

    private static bool Refuse(string reason, out string? refusal)
    {
        refusal = reason;
        return false;
    }

    /// <summary>What a site's gRPC channel sets: its own certificate, and trust in the aggregator only
    /// through the federation CA, with the host name checked.</summary>
    private SslClientAuthenticationOptions SiteTlsOptions(X509Certificate2 clientCertificate, string? targetHost) => new()
    {
        TargetHost = targetHost,
        ClientCertificates = [clientCertificate],
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
            && certificate is X509Certificate2 presented
            && FederationTrust.TryValidateAggregatorCertificate(presented, _pki.Ca, out _),
    };

    private HttpClient SiteClient(X509Certificate2 clientCertificate)
    {
        var handler = new SocketsHttpHandler { SslOptions = SiteTlsOptions(clientCertificate, targetHost: null) };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20, // gRPC's protocol
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private async Task<WebApplication> StartKestrel()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        X509Certificate2 serverCertificate = _pki.Aggregator();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (presented, _, _) => FederationTrust.TryValidateSiteCertificate(presented, _pki.Ca, out _, out _);
            });
        }));
        WebApplication app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(serverCertificate.Dispose);
        app.MapGet("/whoami", (HttpContext context) => FederationTrust.SiteIdOf(context.Connection.ClientCertificate!));
        await app.StartAsync();
        return app;
    }
}
