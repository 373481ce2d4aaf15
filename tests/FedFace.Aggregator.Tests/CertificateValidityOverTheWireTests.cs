using System.Net;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Certs;
using FedFace.Core.Security;
using FedFace.Protos.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Expired and not-yet-valid certificates are refused on both sides, with a reason that says which.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class CertificateValidityOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    [Theory]
    [InlineData(true, "expired on")]
    [InlineData(false, "is not valid before")]
    public async Task The_aggregator_refuses_a_site_certificate_out_of_its_dates_and_logs_which(bool expired, string reason)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("site-dates");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 25))) { MinSites = 4 }, log);
        using X509Certificate2 site = OutOfDates(expired, (from, to) => IssuedCertificates.Site(federation.Pki, "site-04", from, to));
        using X509Certificate2 ca = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, ca, site);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await new Federation.FederationClient(channel)
            .JoinAsync(new JoinRequest { ProtocolVersion = SyntheticSite.Protocol }, deadline: DateTime.UtcNow.AddSeconds(20)));

        LogEntry refused = await log.WaitForAsync("Refused TLS connection from", Eventually.Patience, "FedFace.Aggregator.Tls");
        Assert.Contains($"certificate 'CN=site-04, O=FedFace-Test' {reason}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, aggregator.Coordinator.JoinedSiteCount);
    }

    [Theory]
    [InlineData(true, "expired on")]
    [InlineData(false, "is not valid before")]
    public async Task A_site_refuses_an_aggregator_certificate_out_of_its_dates_and_logs_which(bool expired, string reason)
    {
        var log = new CapturedLog(output);
        using X509Certificate2 server = OutOfDates(expired, (from, to) => IssuedCertificates.Aggregator(federation.Pki, from, to));
        // Not the aggregator (which would not start with it): a bare HTTP/2 endpoint presenting that certificate.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(server);
        }));
        await using WebApplication impostor = builder.Build();
        await impostor.StartAsync();
        var address = new UriBuilder(impostor.Urls.Single()) { Host = "localhost" }.Uri;
        using var site = new SyntheticSite("site-01", federation.Pki, address, log.Factory(), exampleCount: 1);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await site.Client
            .JoinAsync(new JoinRequest { ProtocolVersion = SyntheticSite.Protocol }, deadline: DateTime.UtcNow.AddSeconds(20)));

        LogEntry refused = await log.WaitForAsync("Refusing the aggregator", Eventually.Patience);
        Assert.Contains($"certificate 'CN=aggregator, O=FedFace-Test' {reason}", refused.Message, StringComparison.Ordinal);
        await impostor.StopAsync();
    }

    [Fact]
    public async Task The_aggregator_does_not_start_with_its_own_certificate_expired_and_says_so()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("own-expired");
        PkiLayout pki = federation.CopyOfPki(workspace);
        DateTimeOffset start = IssuedCertificates.CaStart(pki);
        using (X509Certificate2 expired = IssuedCertificates.Aggregator(pki, start, start.AddMinutes(1)))
            IssuedCertificates.WriteAggregatorFiles(pki, expired);

        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using RunningAggregator aggregator = await RunningAggregator.StartAsync(new AggregatorSetup(pki, Path.Combine(workspace, "state"),
                TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 26))), log);
        });

        Assert.Contains($"Aggregator:CertificatePath '{pki.AggregatorCertificate}': certificate 'CN=aggregator, O=FedFace-Test' expired on", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>Expired: inside the CA's life, over after a minute. Not yet valid: starting in an hour.</summary>
    private X509Certificate2 OutOfDates(bool expired, Func<DateTimeOffset, DateTimeOffset, X509Certificate2> issue)
    {
        DateTimeOffset start = expired ? IssuedCertificates.CaStart(federation.Pki) : DateTimeOffset.UtcNow.AddHours(1);
        return issue(start, expired ? start.AddMinutes(1) : start.AddHours(1));
    }
}
