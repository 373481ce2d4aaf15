using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core.Security;
using FedFace.Protos.Admin.V1;
using FedFace.Protos.V1;
using FedFace.Transport;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>The admin service over real mutual TLS: the operator certificate reads the federation; site certificates read nothing.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class AdminStatusOverTheWireTests(TestFederation federation, ITestOutputHelper output) : IDisposable
{
    private readonly CapturedLog _log = new(output);
    private readonly X509Certificate2 _federationCa = FederationTrust.LoadCertificate(federation.Pki.CaCertificate);

    public void Dispose() => _federationCa.Dispose();

    [Fact]
    public async Task An_operator_reads_the_round_the_sites_the_reported_metrics_and_the_signed_models()
    {
        await using RunningAggregator aggregator = await StartAsync("admin-status", totalRounds: 2);
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 30);
        await CommittedRounds.RunAsync(aggregator, 2, first, second);

        // "finished" once the round loop and its observers are done, a moment after the last commit ("finishing").
        FederationReport report = await ReadStatusAsync(aggregator);
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); report.Round.Stage == "finishing" && waited.Elapsed < Eventually.Patience;)
        {
            await Task.Delay(50);
            report = await ReadStatusAsync(aggregator);
        }

        output.WriteLine(report.ToString());
        Assert.Equal("FedFace-Test", report.FederationName);
        Assert.Equal(2, report.Round.CommittedRounds);
        Assert.Equal(2, report.Round.TotalRounds);
        Assert.Equal("finished", report.Round.Stage);
        Assert.Equal([1L, 2L], report.Rounds.Select(r => r.Round));
        Assert.All(report.Rounds, r => Assert.True(r.Committed));
        Assert.All(report.Rounds, r => Assert.Equal(40, r.TotalExamples));
        Assert.All(report.Rounds, r => Assert.Equal((10 * first.ReportedLoss + 30 * second.ReportedLoss) / 40, r.MeanLoss, 9));
        Assert.All(report.Rounds, r => Assert.Equal((10 * first.ReportedAccuracy + 30 * second.ReportedAccuracy) / 40, r.MeanAccuracy, 9));
        Assert.Equal(["site-01", "site-02"], report.Sites.Select(s => s.SiteId));
        Assert.All(report.Sites, s =>
        {
            Assert.Equal(2, s.RoundsContributed);
            Assert.Equal(0, s.RoundsNotAccepted);
            Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(s.LastSeenUnixMs), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        });
        Assert.Null(report.Privacy);

        Assert.Equal([0L, 1L, 2L], report.Models.Select(m => m.Version));
        ModelHeader served = (await first.DownloadAsync(2)).Header;
        SignedModel latest = report.Models[^1];
        Assert.Equal(Convert.ToHexStringLower(served.Signature.ModelSha256.Span), latest.Sha256);
        Assert.Equal(Convert.ToHexStringLower(served.Signature.Signature.Span), latest.Signature);
        Assert.Equal(2, latest.Round);
        Assert.Contains("model signing", latest.Signer);
    }

    [Fact]
    public async Task A_site_that_declined_shows_its_reason_and_the_round_that_aborted_for_it()
    {
        await using RunningAggregator aggregator = await StartAsync("admin-declined", totalRounds: 2);
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        await Task.WhenAll(first.JoinAsync(), second.JoinAsync()).WaitAsync(Eventually.Patience);
        RoundTask task = await second.NextTaskAsync().WaitAsync(Eventually.Patience);
        await second.Client.DeclineRoundAsync(new DeclineRoundRequest { ProtocolVersion = SyntheticSite.Protocol, Round = task.Round, Reason = "camera offline" });
        await first.TakePartAsync().WaitAsync(Eventually.Patience);
        Assert.False((await aggregator.Rounds.WaitForRoundAsync(1)).Summary.Committed);

        FederationReport report = await ReadStatusAsync(aggregator);

        RoundRecord round = Assert.Single(report.Rounds);
        Assert.False(round.Committed);
        Assert.Equal(1, round.AcceptedSites);
        Assert.Equal(2, round.SampledSites);
        SiteState declined = report.Sites.Single(s => s.SiteId == "site-02");
        Assert.Equal(1, declined.RoundsNotAccepted);
        Assert.Equal("declined: camera offline", Assert.Single(declined.Rejections).Reason);
        SiteState accepted = report.Sites.Single(s => s.SiteId == "site-01");
        Assert.Equal(0, accepted.RoundsContributed);
        Assert.StartsWith("round not committed:", Assert.Single(accepted.Rejections).Reason);
    }

    [Fact]
    public async Task While_a_round_is_open_the_status_names_its_sampled_sites_and_a_poll_may_leave_out_the_site_list()
    {
        await using RunningAggregator aggregator = await StartAsync("admin-sampled", totalRounds: 1);
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        await Task.WhenAll(first.JoinAsync(), second.JoinAsync()).WaitAsync(Eventually.Patience);
        await first.NextTaskAsync().WaitAsync(Eventually.Patience);

        FederationReport open = await ReadStatusAsync(aggregator, omitSites: true);
        FederationReport full = await ReadStatusAsync(aggregator);

        Assert.Equal(1, open.Round.Number);
        Assert.Equal(["site-01", "site-02"], open.Round.SampledSiteIds);
        Assert.Empty(open.Sites);
        Assert.Equal(["site-01", "site-02"], full.Sites.Select(s => s.SiteId));
        await Task.WhenAll(first.TakePartAsync(), second.TakePartAsync()).WaitAsync(Eventually.Patience);
        await aggregator.Rounds.WaitForRoundAsync(1);
        Assert.Empty((await ReadStatusAsync(aggregator, omitSites: true)).Round.SampledSiteIds); // no round open: nobody to run
    }

    [Fact]
    public async Task A_site_certificate_is_refused_by_the_admin_service_with_a_reason()
    {
        await using RunningAggregator aggregator = await StartAsync("admin-site-refused", totalRounds: 10);
        using X509Certificate2 site = FederationTrust.LoadCertificateWithKey(federation.Pki.SiteCertificate("site-01"), federation.Pki.SiteKey("site-01"));
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, site);

        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new FederationAdmin.FederationAdminClient(channel).GetStatusAsync(new StatusRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("is not an operator's", refused.Status.Detail);
    }

    [Fact]
    public async Task The_operator_certificate_cannot_take_part_as_a_site()
    {
        await using RunningAggregator aggregator = await StartAsync("admin-operator-joins", totalRounds: 10);
        using X509Certificate2 operatorCertificate = FederationTrust.LoadCertificateWithKey(federation.Pki.OperatorCertificate, federation.Pki.OperatorKey);
        using GrpcChannel channel = CertificateChannel.Open(aggregator.Uri, _federationCa, operatorCertificate);

        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Federation.FederationClient(channel).JoinAsync(new JoinRequest { ProtocolVersion = SyntheticSite.Protocol }, deadline: Deadline()));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("is an operator's", refused.Status.Detail);
        Assert.Equal(0, aggregator.Coordinator.JoinedSiteCount);
    }

    private async Task<FederationReport> ReadStatusAsync(RunningAggregator aggregator, bool omitSites = false)
    {
        using var connection = new OperatorConnection(new AggregatorEndpoint(aggregator.Uri.ToString(), federation.Pki.OperatorCertificate,
            federation.Pki.OperatorKey, federation.Pki.CaCertificate));
        return await connection.Admin.GetStatusAsync(new StatusRequest { OmitSites = omitSites }, deadline: Deadline());
    }

    private Task<RunningAggregator> StartAsync(string name, int totalRounds)
    {
        string workspace = federation.Workspace(name);
        return RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3)))
        {
            MinSites = 2,
            TotalRounds = totalRounds,
            MinimumAbortedRoundSeconds = 0,
        }, _log);
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(20);
}
