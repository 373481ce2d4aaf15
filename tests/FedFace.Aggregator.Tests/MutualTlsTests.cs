using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Invariant 2: every connection is mutual TLS against the federation CA, and a site is its certificate.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class MutualTlsTests(TestFederation federation, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly CapturedLog _log = new(output);
    private readonly X509Certificate2 _federationCa = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
    private RunningAggregator _aggregator = null!;

    public async Task InitializeAsync()
    {
        string workspace = federation.Workspace("mtls");
        // MinSites above the number of sites that will join: no round opens, the test is only about admission.
        _aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 1))) { MinSites = 4 }, _log);
    }

    public async Task DisposeAsync()
    {
        await _aggregator.DisposeAsync();
        _federationCa.Dispose();
    }

    [Fact]
    public async Task A_site_with_a_federation_certificate_is_admitted_and_its_id_comes_from_the_certificate_CN()
    {
        using var site = new SyntheticSite("site-02", federation.Pki, _aggregator.Uri, _log.Factory(), exampleCount: 1);

        JoinReply reply = await site.JoinAsync().WaitAsync(Eventually.Patience);

        Assert.Equal("site-02", reply.SiteId);
        Assert.Equal("FedFace-Test", reply.FederationName);
        Assert.Equal(WireProtocol.Version, reply.ProtocolVersion);
        Assert.Equal(1, _aggregator.Coordinator.JoinedSiteCount);
        await _log.WaitForAsync("Site site-02 joined", Eventually.Patience, "FedFace.Aggregator");
        Assert.Empty(_log.Matching("Refused TLS connection"));
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused_and_the_aggregator_logs_that_it_presented_none()
    {
        using GrpcChannel channel = RawChannel(clientCertificate: null);

        await AssertRefusedAsync(channel);

        LogEntry logged = await _log.WaitForAsync("Refused TLS connection from", Eventually.Patience, "FedFace.Aggregator.Tls");
        Assert.Contains("presented no client certificate", logged.Message, StringComparison.Ordinal);
        Assert.Equal(0, _aggregator.Coordinator.JoinedSiteCount);
    }

    [Fact]
    public async Task A_site_certificate_issued_by_another_CA_is_refused_and_the_aggregator_logs_it_was_not_issued_by_the_federation_CA()
    {
        // The stranger has a perfectly good site certificate, with the right CN, from the wrong CA. The real
        // site transport refuses to dial with it (it checks its own certificate first, naming the reason)...
        var endpoint = new AggregatorEndpoint(_aggregator.Uri.ToString(),
            federation.OtherPki.SiteCertificate("site-01"), federation.OtherPki.SiteKey("site-01"), federation.Pki.CaCertificate);
        var early = Assert.Throws<InvalidOperationException>(() => new AggregatorConnection(endpoint, _log.Factory()));
        Assert.Contains("was not issued by the federation CA", early.Message, StringComparison.Ordinal);
        // ...and a client that dials with it anyway is stopped by the aggregator's own check.
        using X509Certificate2 strangerCertificate = FederationTrust.LoadCertificateWithKey(endpoint.CertificatePath, endpoint.KeyPath);
        using GrpcChannel stranger = RawChannel(strangerCertificate);

        await AssertRefusedAsync(stranger);

        LogEntry logged = await _log.WaitForAsync("Refused TLS connection from", Eventually.Patience, "FedFace.Aggregator.Tls");
        Assert.Contains("CN=site-01", logged.Message, StringComparison.Ordinal);
        Assert.Contains("was not issued by the federation CA", logged.Message, StringComparison.Ordinal);
        Assert.Equal(0, _aggregator.Coordinator.JoinedSiteCount);
    }

    [Fact]
    public async Task The_aggregators_own_server_only_certificate_is_refused_as_a_client_certificate_and_the_aggregator_logs_why()
    {
        // Issued by the right CA, but for serverAuth only: a leaked aggregator key must not let anyone act as a site.
        using X509Certificate2 aggregatorCertificate = FederationTrust.LoadCertificateWithKey(federation.Pki.AggregatorCertificate, federation.Pki.AggregatorKey);
        using GrpcChannel channel = RawChannel(aggregatorCertificate);

        await AssertRefusedAsync(channel);

        LogEntry logged = await _log.WaitForAsync("Refused TLS connection from", Eventually.Patience, "FedFace.Aggregator.Tls");
        Assert.Contains("is not valid for client authentication (no clientAuth extended key usage)", logged.Message, StringComparison.Ordinal);
        Assert.Equal(0, _aggregator.Coordinator.JoinedSiteCount);
    }

    private static Task AssertRefusedAsync(GrpcChannel channel) => AssertRefusedAsync(new Federation.FederationClient(channel));

    /// <summary>
    /// The call fails at the transport; no reply comes back. (Under TLS 1.3 the client finishes its side of
    /// the handshake before the aggregator judges its certificate, so it sees the connection close during
    /// HTTP/2 setup rather than an AuthenticationException; the reason is only in the aggregator's log.)
    /// </summary>
    private static async Task AssertRefusedAsync(Federation.FederationClient client)
    {
        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.JoinAsync(new JoinRequest { ProtocolVersion = SyntheticSite.Protocol }, deadline: DateTime.UtcNow.AddSeconds(20)));
        // Unavailable when the connection dies while HTTP/2 is being set up, Internal when the request was
        // already written; which one depends on scheduling. Either way it is the transport, not an answer.
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"expected a transport failure, got {refused.Status}");
    }

    private GrpcChannel RawChannel(X509Certificate2? clientCertificate) => CertificateChannel.Open(_aggregator.Uri, _federationCa, clientCertificate);
}
