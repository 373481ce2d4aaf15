using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Certs;
using FedFace.Core.Security;
using FedFace.Protos.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>The aggregator's TLS certificate is rotated by replacing its files: no restart, no dropped connection.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class ServerCertificateRotationTests(TestFederation federation, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly CapturedLog _log = new(output);
    private PkiLayout _pki = null!;
    private RunningAggregator _aggregator = null!;
    private X509Certificate2 _ca = null!;
    private X509Certificate2 _site = null!;

    public async Task InitializeAsync()
    {
        string workspace = federation.Workspace("rotation");
        _pki = federation.CopyOfPki(workspace);
        _ca = FederationTrust.LoadCertificate(_pki.CaCertificate);
        _site = FederationTrust.LoadCertificateWithKey(_pki.SiteCertificate("site-01"), _pki.SiteKey("site-01"));
        // MinSites above the sites that call: no round opens.
        _aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(_pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 24))) { MinSites = 4 }, _log);
    }

    public async Task DisposeAsync()
    {
        await _aggregator.DisposeAsync();
        _ca.Dispose();
        _site.Dispose();
    }

    [Fact]
    public async Task A_new_certificate_is_served_to_new_connections_while_an_open_connection_keeps_working()
    {
        var firstHandshakes = new ConcurrentQueue<string>();
        using GrpcChannel first = CertificateChannel.Open(_aggregator.Uri, _ca, _site, presented => firstHandshakes.Enqueue(presented.Thumbprint));
        var firstClient = new Federation.FederationClient(first);
        await JoinAsync(firstClient);
        string original = Assert.Single(firstHandshakes);

        using X509Certificate2 rotated = IssuedCertificates.Aggregator(_pki, IssuedCertificates.CaStart(_pki), DateTimeOffset.UtcNow.AddDays(1));
        IssuedCertificates.WriteAggregatorFiles(_pki, rotated);

        await JoinAsync(firstClient); // the open connection: no new handshake, still served
        Assert.Equal([original], firstHandshakes);
        Assert.Equal(rotated.Thumbprint, await NewConnectionSeesAsync());
        Assert.NotEqual(original, rotated.Thumbprint);
        await _log.WaitForAsync("Rotated the server certificate: new connections get 'CN=aggregator, O=FedFace-Test'", Eventually.Patience, "FedFace.Aggregator.Tls");
    }

    [Fact]
    public async Task An_expired_replacement_is_refused_saying_so_and_the_current_certificate_stays()
    {
        string original = await NewConnectionSeesAsync();
        DateTimeOffset start = IssuedCertificates.CaStart(_pki);
        using X509Certificate2 expired = IssuedCertificates.Aggregator(_pki, start, start.AddMinutes(1));

        IssuedCertificates.WriteAggregatorFiles(_pki, expired);

        Assert.Equal(original, await NewConnectionSeesAsync());
        LogEntry kept = await _log.WaitForAsync("Kept the current server certificate", Eventually.Patience, "FedFace.Aggregator.Tls");
        Assert.Contains("would be refused by sites: certificate 'CN=aggregator, O=FedFace-Test' expired on", kept.Message, StringComparison.Ordinal);
    }

    private async Task<string> NewConnectionSeesAsync()
    {
        var handshakes = new ConcurrentQueue<string>();
        using GrpcChannel channel = CertificateChannel.Open(_aggregator.Uri, _ca, _site, presented => handshakes.Enqueue(presented.Thumbprint));
        await JoinAsync(new Federation.FederationClient(channel));
        return Assert.Single(handshakes);
    }

    private static async Task JoinAsync(Federation.FederationClient client) =>
        Assert.Equal("site-01", (await client.JoinAsync(new JoinRequest { ProtocolVersion = SyntheticSite.Protocol }, deadline: DateTime.UtcNow.Add(Eventually.Patience))).SiteId);
}
