using System.Net;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Security;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// The management port: liveness and readiness probes and the Prometheus endpoint over plain HTTP with no client
/// certificate; the mutual-TLS port does not serve them, and the management port serves nothing else.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class ManagementEndpointsOverTheWireTests(TestFederation federation, ITestOutputHelper output) : IDisposable
{
    private readonly CapturedLog _log = new(output);
    private readonly HttpClient _plain = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose() => _plain.Dispose();

    [Fact]
    public async Task Healthz_and_readyz_answer_200_over_plain_http_without_a_client_certificate()
    {
        await using RunningAggregator aggregator = await StartAsync("probes-ready");
        Uri management = aggregator.ManagementUri!;

        Assert.Equal("http", management.Scheme);
        Assert.Equal("127.0.0.1", management.Host);
        using HttpResponseMessage live = await _plain.GetAsync(new Uri(management, "/healthz"));
        using HttpResponseMessage ready = await _plain.GetAsync(new Uri(management, "/readyz"));
        string readiness = await ready.Content.ReadAsStringAsync();

        output.WriteLine(readiness);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.StartsWith("Healthy\n", readiness, StringComparison.Ordinal);
        Assert.Contains("round loop alive: Healthy", readiness, StringComparison.Ordinal);
        await _log.WaitForAsync($"Management endpoints on {management}", Eventually.Patience, AggregatorLog.HostCategory);
    }

    [Fact]
    public async Task Readyz_is_503_naming_the_failed_check_while_healthz_stays_200_when_the_state_directory_cannot_be_written()
    {
        await using RunningAggregator aggregator = await StartAsync("probes-unready");
        // Root ignores permission bits, so the directory is replaced by a file: nothing can be written there any more.
        Directory.Delete(aggregator.Setup.StateDirectory, recursive: true);
        await File.WriteAllTextAsync(aggregator.Setup.StateDirectory, "not a directory");

        using HttpResponseMessage live = await _plain.GetAsync(new Uri(aggregator.ManagementUri!, "/healthz"));
        using HttpResponseMessage ready = await _plain.GetAsync(new Uri(aggregator.ManagementUri!, "/readyz"));
        string readiness = await ready.Content.ReadAsStringAsync();

        output.WriteLine(readiness);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("state directory writable: Unhealthy: cannot write the state directory", readiness, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task The_mutual_TLS_port_does_not_serve_the_management_endpoints(string path)
    {
        await using RunningAggregator aggregator = await StartAsync("probes-not-on-grpc");
        using X509Certificate2 federationCa = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
        using X509Certificate2 site = FederationTrust.LoadCertificateWithKey(federation.Pki.SiteCertificate("site-04"), federation.Pki.SiteKey("site-04"));
        using var client = new HttpClient(CertificateChannel.Handler(federationCa, site))
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };

        // A federation certificate, HTTP/2 over TLS: everything the port asks for, and still not served there.
        using HttpResponseMessage response = await client.GetAsync(new Uri(aggregator.Uri, path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_management_port_serves_no_gRPC_service()
    {
        await using RunningAggregator aggregator = await StartAsync("probes-no-grpc");
        Uri management = aggregator.ManagementUri!;

        using HttpResponseMessage post = await _plain.PostAsync(new Uri(management, "/grpc.health.v1.Health/Check"), new ByteArrayContent([0, 0, 0, 0, 0]));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);

        // gRPC proper (HTTP/2 without TLS, as a careless client would try): the port speaks HTTP/1.1 only.
        using GrpcChannel channel = GrpcChannel.ForAddress(management, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(20)));
        output.WriteLine(refused.Status.ToString());
    }

    [Fact]
    public async Task The_management_port_can_be_turned_off()
    {
        await using RunningAggregator aggregator = await StartAsync("probes-off", new ObservabilitySettings { ManagementEnabled = false });

        Assert.Null(aggregator.ManagementUri);
        Assert.Equal("https", aggregator.Uri.Scheme);
    }

    [Fact]
    public async Task A_management_port_already_in_use_is_one_line_and_exit_code_1()
    {
        string workspace = federation.Workspace("probes-port-in-use");
        using var occupant = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        string port = ((IPEndPoint)occupant.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, [.. AggregatorProcess.Settings(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 9))), "--Aggregator:Observability:ManagementPort", port]);

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    private Task<RunningAggregator> StartAsync(string name, ObservabilitySettings? observability = null)
    {
        string workspace = federation.Workspace(name);
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3)))
        {
            MinSites = 2,
            TotalRounds = 10,
        };
        return RunningAggregator.StartAsync(observability is null ? setup : setup with { Observability = observability }, _log);
    }
}
