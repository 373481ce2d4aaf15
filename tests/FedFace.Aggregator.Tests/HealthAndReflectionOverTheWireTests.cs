using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Security;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>The standard gRPC health and reflection services, behind the same mutual TLS as the federation's own.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class HealthAndReflectionOverTheWireTests(TestFederation federation, ITestOutputHelper output) : IDisposable
{
    private readonly CapturedLog _log = new(output);
    private readonly X509Certificate2 _federationCa = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
    private readonly X509Certificate2 _siteCertificate = FederationTrust.LoadCertificateWithKey(federation.Pki.SiteCertificate("site-04"), federation.Pki.SiteKey("site-04"));

    public void Dispose()
    {
        _federationCa.Dispose();
        _siteCertificate.Dispose();
    }

    [Fact]
    public async Task A_running_aggregator_is_SERVING_to_a_caller_with_a_federation_certificate()
    {
        await using RunningAggregator aggregator = await StartAsync("health-serving", totalRounds: 10);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, _siteCertificate);

        HealthCheckResponse health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task A_finished_federation_is_NOT_SERVING()
    {
        await using RunningAggregator aggregator = await StartAsync("health-finished", totalRounds: 1);
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 20);
        await Task.WhenAll(first.JoinAsync(), second.JoinAsync()).WaitAsync(Eventually.Patience);
        await Task.WhenAll(first.TakePartAsync(), second.TakePartAsync()).WaitAsync(Eventually.Patience);
        Assert.True((await aggregator.Rounds.WaitForRoundAsync(1)).Summary.Committed);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, _siteCertificate);
        var health = new Health.HealthClient(channel);

        HealthCheckResponse.Types.ServingStatus status = HealthCheckResponse.Types.ServingStatus.Unknown;
        await Eventually.TrueAsync(() =>
        {
            status = health.Check(new HealthCheckRequest(), deadline: Deadline()).Status;
            return status == HealthCheckResponse.Types.ServingStatus.NotServing;
        }, Eventually.Patience, () => $"still {status} after the federation finished");
    }

    [Fact]
    public async Task An_aggregator_whose_state_directory_cannot_be_written_is_NOT_SERVING()
    {
        await using RunningAggregator aggregator = await StartAsync("health-unwritable", totalRounds: 10);
        // Root ignores permission bits, so the directory is replaced by a file: nothing can be written there any more.
        Directory.Delete(aggregator.Setup.StateDirectory, recursive: true);
        await File.WriteAllTextAsync(aggregator.Setup.StateDirectory, "not a directory");
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, _siteCertificate);

        HealthCheckResponse health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_federation_services_and_health()
    {
        await using RunningAggregator aggregator = await StartAsync("reflection", totalRounds: 10);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, _siteCertificate);
        using AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call =
            new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: Deadline());

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        string[] services = [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];

        output.WriteLine(string.Join(", ", services));
        Assert.Contains("fedface.v1.Federation", services);
        Assert.Contains("fedface.v1.SecAggStages", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task A_health_call_without_a_client_certificate_is_refused()
    {
        await using RunningAggregator aggregator = await StartAsync("health-anonymous", totalRounds: 10);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, clientCertificate: null);

        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        // The transport fails (see MutualTlsTests): no health answer reaches an anonymous caller.
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"expected a transport failure, got {refused.Status}");
        await _log.WaitForAsync("Refused TLS connection from", Eventually.Patience, "FedFace.Aggregator.Tls");
    }

    private Task<RunningAggregator> StartAsync(string name, int totalRounds)
    {
        string workspace = federation.Workspace(name);
        return RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3))) { MinSites = 2, TotalRounds = totalRounds }, _log);
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(20);
}
