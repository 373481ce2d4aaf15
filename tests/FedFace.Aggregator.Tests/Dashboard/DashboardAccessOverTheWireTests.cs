using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Dashboard;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Security;
using FedFace.Protos.Admin.V1;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests.Dashboard;

/// <summary>Who the dashboard's HTTPS port lets in: the operator certificate or the token, nobody else.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class DashboardAccessOverTheWireTests(TestFederation federation, ITestOutputHelper output) : IDisposable
{
    private const string Token = "dashboard-token-0123456789abcdef";

    private readonly CapturedLog _log = new(output);
    private readonly X509Certificate2 _federationCa = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);

    public void Dispose() => _federationCa.Dispose();

    [Theory]
    [InlineData("/")]
    [InlineData("/api/status")]
    [InlineData("/dashboard.js")]
    public async Task An_anonymous_visitor_gets_401(string path)
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-anonymous");
        using HttpClient anonymous = DashboardClient.Open(aggregator.DashboardUri!, _federationCa);

        using HttpResponseMessage response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("operator certificate or the dashboard token", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_token_gets_401_in_the_address_the_header_and_the_cookie()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-wrong-token");
        var cookies = new CookieContainer();
        cookies.Add(aggregator.DashboardUri!, new Cookie(DashboardAccess.CookieName, Token + "x"));
        using HttpClient visitor = DashboardClient.Open(aggregator.DashboardUri!, _federationCa, cookies: cookies);

        using HttpResponseMessage inAddress = await visitor.GetAsync("/?token=" + Token[..^1]);
        using var withHeader = new HttpRequestMessage(HttpMethod.Get, "/api/status") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-" + Token) } };
        using HttpResponseMessage inHeader = await visitor.SendAsync(withHeader);
        using HttpResponseMessage inCookie = await visitor.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.Unauthorized, inAddress.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, inHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, inCookie.StatusCode);
    }

    [Fact]
    public async Task The_token_in_the_address_becomes_a_secure_cookie_and_leaves_the_address()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-token");
        var cookies = new CookieContainer();
        using HttpClient visitor = DashboardClient.Open(aggregator.DashboardUri!, _federationCa, cookies: cookies);

        using HttpResponseMessage exchange = await visitor.GetAsync("/?token=" + Token);
        using HttpResponseMessage page = await visitor.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, exchange.StatusCode);
        Assert.Equal("/", exchange.Headers.Location?.OriginalString);
        string setCookie = Assert.Single(exchange.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/vendor/uPlot.iife.min.js\">", html);
        Assert.Contains("content=\"2000\"", html); // RefreshSeconds, filled in
    }

    [Fact]
    public async Task A_bearer_token_reads_the_status_as_the_admin_services_report_in_json()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-bearer");
        using HttpClient visitor = DashboardClient.Open(aggregator.DashboardUri!, _federationCa);
        visitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using HttpResponseMessage response = await visitor.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        FederationReport report = JsonParser.Default.Parse<FederationReport>(await response.Content.ReadAsStringAsync());
        Assert.Equal("FedFace-Test", report.FederationName);
        Assert.Equal(10, report.Round.TotalRounds);
        Assert.Equal(0L, Assert.Single(report.Models).Version);
    }

    [Fact]
    public async Task The_operator_certificate_reads_the_dashboard_without_a_token()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-operator", token: false);
        using X509Certificate2 operatorCertificate = FederationTrust.LoadCertificateWithKey(federation.Pki.OperatorCertificate, federation.Pki.OperatorKey);
        using HttpClient visitor = DashboardClient.Open(aggregator.DashboardUri!, _federationCa, operatorCertificate);

        using HttpResponseMessage page = await visitor.GetAsync("/");
        using HttpResponseMessage chart = await visitor.GetAsync("/vendor/uPlot.iife.min.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Equal("text/javascript", chart.Content.Headers.ContentType?.MediaType);
        Assert.Contains("uPlot", await chart.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_site_certificate_is_refused_at_the_dashboards_handshake()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-site");
        using X509Certificate2 site = FederationTrust.LoadCertificateWithKey(federation.Pki.SiteCertificate("site-01"), federation.Pki.SiteKey("site-01"));
        using HttpClient visitor = DashboardClient.Open(aggregator.DashboardUri!, _federationCa, site);

        await Assert.ThrowsAsync<HttpRequestException>(() => visitor.GetAsync("/"));
    }

    [Fact]
    public async Task The_federations_port_does_not_serve_the_dashboard()
    {
        await using RunningAggregator aggregator = await StartAsync("dashboard-not-on-federation-port");
        using X509Certificate2 operatorCertificate = FederationTrust.LoadCertificateWithKey(federation.Pki.OperatorCertificate, federation.Pki.OperatorKey);
        using HttpClient visitor = DashboardClient.Open(aggregator.Uri, _federationCa, operatorCertificate);
        visitor.DefaultRequestVersion = HttpVersion.Version20;
        visitor.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        visitor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using HttpResponseMessage response = await visitor.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_is_off_by_default()
    {
        string workspace = federation.Workspace("dashboard-off");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3))), _log);

        Assert.Null(aggregator.DashboardUri);
    }

    [Fact]
    public void A_short_token_is_refused_at_start_up_with_the_setting_named()
    {
        string path = Path.Combine(federation.Workspace("dashboard-short-token"), "token");
        File.WriteAllText(path, "short\n");
        var options = new DashboardOptions { Enabled = true, TokenPath = path };

        string problem = Assert.Single(options.Problems("Aggregator:Dashboard", federationPort: 7443));

        Assert.Equal($"Aggregator:Dashboard:TokenPath '{path}' holds 5 characters; a token needs at least 16", problem);
    }

    [Fact]
    public void The_dashboard_cannot_share_the_federations_port()
    {
        var options = new DashboardOptions { Enabled = true, Port = 7443 };

        Assert.Contains(options.Problems("Aggregator:Dashboard", federationPort: 7443), p => p.StartsWith("Aggregator:Dashboard:Port must differ from Aggregator:Port", StringComparison.Ordinal));
    }

    private Task<RunningAggregator> StartAsync(string name, bool token = true)
    {
        string workspace = federation.Workspace(name);
        string tokenPath = Path.Combine(workspace, "dashboard.token");
        File.WriteAllText(tokenPath, Token + "\n");
        return RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3)))
        {
            Dashboard = new DashboardOptions { Enabled = true, Port = 0, TokenPath = token ? tokenPath : null },
        }, _log);
    }
}
