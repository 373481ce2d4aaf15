using FedFace.Aggregator.Tests.Kit;
using FedFace.Certs;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Core.Security;
using FedFace.Transport.Kits;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>A site handed one signed kit joins the federation from it; a tampered kit never reaches the wire.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class StartupKitOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_site_started_from_its_signed_kit_joins_and_its_update_is_committed()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("kit");
        PkiLayout pki = federation.CopyOfPki(workspace);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 21)))
            {
                MinSites = 2,
                TotalRounds = 1,
                PreJoinedSites = ["site-05", "site-06"],
            }, log);
        StartupKit kit = StartupKits.Write(pki, "site-05", aggregator.Uri, Path.Combine(workspace, "kits"));

        // As fedface-site --kit does: the kit's settings, then the site's own flags.
        string[] args = SiteKitArguments.Expand(["--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", Path.Combine(workspace, "site-05")]);
        IConfiguration settings = new ConfigurationBuilder().AddCommandLine(args).Build();
        var endpoint = new AggregatorEndpoint(settings["Site:AggregatorUrl"]!, settings["Site:CertificatePath"]!, settings["Site:KeyPath"]!, settings["Site:CaCertificatePath"]!);
        using var fromKit = new SyntheticSite(endpoint, log.Factory(), exampleCount: 10);
        using var other = new SyntheticSite("site-06", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 10);

        Assert.Equal("site-05", (await fromKit.JoinAsync()).SiteId);
        (RoundTask Task, UploadReply Reply)[] answers = await Task.WhenAll(fromKit.TakePartAsync(), other.TakePartAsync()).WaitAsync(Eventually.Patience);

        Assert.All(answers, answer => Assert.True(answer.Reply.Accepted, answer.Reply.Reason));
        RoundSummary summary = (await aggregator.Rounds.WaitForRoundAsync(1)).Summary;
        Assert.True(summary.Committed, summary.Outcome);
        Assert.Contains("site-05", summary.SampledSites);
    }

    [Fact]
    public void A_tampered_kit_is_refused_before_the_site_dials_with_the_reason()
    {
        string workspace = federation.Workspace("tampered-kit");
        PkiLayout pki = federation.CopyOfPki(workspace);
        StartupKit kit = StartupKits.Write(pki, "site-07", new Uri("https://localhost:7443"), workspace);
        using (var zip = System.IO.Compression.ZipFile.Open(kit.Path, System.IO.Compression.ZipArchiveMode.Update))
        {
            using var writer = new StreamWriter(zip.GetEntry(StartupKitEntries.Settings)!.Open());
            writer.Write("""{"Site":{"AggregatorUrl":"https://attacker.example.org:7443"}}""");
        }

        var refused = Assert.Throws<StartupKitException>(() =>
            SiteKitArguments.Expand(["--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", Path.Combine(workspace, "site-07")]));

        Assert.Equal($"kit '{kit.Path}' refused: 'appsettings.json' does not match the signed manifest: the kit was altered after it was signed", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(workspace, "site-07")), "nothing of a refused kit is unpacked");
    }
}
