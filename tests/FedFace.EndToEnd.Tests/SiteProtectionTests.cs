using FedFace.Aggregator;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// Invariant 5 and the site's protection policy, with the real edge client against the real aggregator over mutual TLS: a
/// site never trains on a model whose signature does not check out, nor in a round weaker than its policy requires.
/// Neither case gets as far as loading the site's faces, so no training runs here.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class SiteProtectionTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>Round 1 can only finish within the test's patience if the site's decline closes it.</summary>
    private const int DeadlineLongerThanTheTest = 600;

    /// <summary>How someone who can write the aggregator's state directory, but holds no aggregator key, changes the served signature.</summary>
    public enum Tampering
    {
        SignatureBytesFlipped,
        SignedByASiteCertificate,
        SignedForAnotherVersion,
    }

    [Theory]
    [InlineData(Tampering.SignatureBytesFlipped, ModelSignatureFailure.BadSignature, "the signature does not verify under the key of")]
    [InlineData(Tampering.SignedByASiteCertificate, ModelSignatureFailure.SignerNotAggregator, "the signer is not the federation's aggregator")]
    [InlineData(Tampering.SignedForAnotherVersion, ModelSignatureFailure.VersionMismatch, "the signature is for model v3, but v0 was expected")]
    public async Task A_site_refuses_a_model_whose_signature_does_not_check_out_and_neither_trains_nor_uploads(
        Tampering tampering, ModelSignatureFailure failure, string reason)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace($"tampered-{tampering}");
        ModelState initial = TestModels.Small(seed: 41);
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
        {
            MinSites = 1,
            TotalRounds = 1,
            RoundDeadlineSeconds = DeadlineLongerThanTheTest,
        };
        await (await RunningAggregator.StartAsync(setup, log)).DisposeAsync(); // commits the signed v0, then goes down
        CommittedSignature.Replace(new CheckpointStore(setup.StateDirectory), signature => Tamper(signature, tampering, initial));
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(setup, log);
        var audit = new RecordingAudit();
        using SiteAgent site = RefusingSite(aggregator, new SiteProtectionPolicy(false, AggregationMode.Plain), log, audit);

        await RunUntilLoggedAsync(site, log, $"Refusing round 1: model v0 failed its signature check ({failure}): {reason}");

        Assert.Equal((1, 0), (site.RoundsRefused, site.RoundsAccepted));
        Assert.Empty(audit.Uploads);
        Assert.Empty(log.Matching("update from site-01", "FedFace.Aggregator"));
        await AssertTheDeclineClosedRoundOneAsync(aggregator, $"model v0 failed its signature check ({failure}): {reason}");
    }

    /// <summary>
    /// Someone without the signing key restarts the aggregator from a copy of its state taken before round 1 committed:
    /// it serves v0 again, validly signed. The site, restarted too, remembers it accepted v1 and refuses v0.
    /// </summary>
    [Fact]
    public async Task A_site_refuses_an_older_validly_signed_model_from_an_aggregator_rolled_back_to_older_state()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("rolled-back");
        string siteState = Path.Combine(workspace, "site-01-state");
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 43)))
        {
            MinSites = 1,
            TotalRounds = 3,
            RoundDeadlineSeconds = 10, // round 1 commits site-02's update at its deadline: site-01 sits it out
            PreJoinedSites = ["site-01", "site-02"],
        };
        await (await RunningAggregator.StartAsync(setup, log)).DisposeAsync(); // commits the signed v0, then goes down
        string beforeRoundOne = Path.Combine(workspace, "state-at-v0");
        CopyDirectory(setup.StateDirectory, beforeRoundOne);
        SiteData faces = TinySites.AlignPhotos(("Aaron_Peirsol", 1), ("Aaron_Peirsol", 2)); // accepts the model, then cannot train

        await using (RunningAggregator current = await RunningAggregator.StartAsync(setup, log))
        {
            using var other = new SyntheticSite("site-02", federation.Pki, current.Uri, log.Factory(), 10);
            await other.JoinAsync();
            await other.TakePartAsync().WaitAsync(Eventually.Patience);
            Assert.True((await current.Rounds.WaitForRoundAsync(1)).Summary.Committed);
            using SiteAgent accepting = RefusingSite(current, new SiteProtectionPolicy(false, AggregationMode.Plain), log, new RecordingAudit(), _ => faces, siteState);
            await RunUntilLoggedAsync(accepting, log, "Refusing round 2: this site has usable faces of only 1 person");
        }
        string floor = Path.Combine(siteState, ModelVersionFloor.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(floor));
        }
        Assert.Contains("\"Version\":1", File.ReadAllText(floor), StringComparison.Ordinal);

        Directory.Delete(setup.StateDirectory, recursive: true);
        CopyDirectory(beforeRoundOne, setup.StateDirectory);
        await using RunningAggregator rolledBack = await RunningAggregator.StartAsync(setup, log);
        var audit = new RecordingAudit();
        using SiteAgent site = RefusingSite(rolledBack, new SiteProtectionPolicy(false, AggregationMode.Plain), log, audit, stateDirectory: siteState);
        string reason = "model v0 is older than model v1 (round 1) this site already accepted: the aggregator's state was rolled back "
            + $"(for a federation started anew on purpose, delete {floor})";

        await RunUntilLoggedAsync(site, log, $"Refusing round 1: {reason}; not training in it");

        Assert.Equal((1, 0), (site.RoundsRefused, site.RoundsAccepted));
        Assert.Empty(audit.Uploads);
        Assert.StartsWith($"declined: {reason}", (await rolledBack.Rounds.WaitForRoundAsync(1)).Summary.RejectedSites["site-01"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, AggregationMode.Plain, "round 1 trains without differential privacy, and Site:RequireDifferentialPrivacy is set")]
    [InlineData(false, AggregationMode.SecureAggregation, "round 1 uses Plain aggregation, weaker than Site:MinimumAggregationMode SecureAggregation")]
    public async Task A_site_refuses_a_round_weaker_than_its_policy_and_neither_downloads_nor_trains(
        bool requireDifferentialPrivacy, AggregationMode minimumAggregation, string reason)
    {
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await OneRoundAggregator.StartAsync(federation, "weak-round", log, DeadlineLongerThanTheTest);
        var audit = new RecordingAudit();
        using SiteAgent site = RefusingSite(aggregator, new SiteProtectionPolicy(requireDifferentialPrivacy, minimumAggregation), log, audit);

        await RunUntilLoggedAsync(site, log, $"Refusing round 1: {reason}; not training in it");

        Assert.Equal((1, 0), (site.RoundsRefused, site.RoundsAccepted));
        Assert.Empty(log.Matching("Downloaded model", "FedFace.Site"));
        Assert.Empty(audit.Uploads);
        await AssertTheDeclineClosedRoundOneAsync(aggregator, reason);
    }

    /// <summary>
    /// Site:MinimumCorruptFraction 0.34 asks a 3-site secure round to withstand 1 site colluding with the aggregator. Sized
    /// with Aggregator:SecureAggregation:CorruptFraction 0 it withstands none, and the site declines it without downloading;
    /// sized with 0.34 it withstands 1, and the site takes part: it downloads the model and gets as far as its faces.
    /// </summary>
    [Theory]
    [InlineData(0.0, "round 1's secure aggregation withstands 0 of its 3 sites colluding with the aggregator, fewer than the 1 Site:MinimumCorruptFraction 0.34 asks for")]
    [InlineData(0.34, "this site has usable faces of only 1 person")]
    public async Task A_site_declines_a_secure_round_that_withstands_fewer_colluders_than_its_minimum_corrupt_fraction(double roundCorruptFraction, string reason)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace($"collusion-margin-{roundCorruptFraction}");
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 44)))
        {
            MinSites = 3,
            TotalRounds = 1,
            RoundDeadlineSeconds = 8,
            PreJoinedSites = ["site-01", "site-02", "site-03"],
            SecureAggregation = new SecureAggregationOptions
            {
                Enabled = true,
                CorruptFraction = roundCorruptFraction,
                AdvertiseKeysSeconds = 3,
                ShareKeysSeconds = 3,
                ConsistencyCheckSeconds = 3,
                UnmaskSeconds = 3,
            },
        };
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(setup, log);
        SiteData faces = TinySites.AlignPhotos(("Aaron_Peirsol", 1), ("Aaron_Peirsol", 2)); // takes part, then cannot train
        var audit = new RecordingAudit();
        using SiteAgent site = RefusingSite(aggregator, new SiteProtectionPolicy(false, AggregationMode.SecureAggregation, MinimumCorruptFraction: 0.34),
            log, audit, _ => faces);

        await RunUntilLoggedAsync(site, log, $"Refusing round 1: {reason}");

        Assert.Equal((1, 0), (site.RoundsRefused, site.RoundsAccepted));
        Assert.Empty(audit.Uploads);
        if (roundCorruptFraction > 0)
        {
            Assert.NotEmpty(log.Matching("Downloaded model v0", "FedFace.Site")); // past the policy, on to its faces
        }
        else
        {
            Assert.Empty(log.Matching("Downloaded model", "FedFace.Site"));
            Assert.StartsWith($"declined: {reason}", (await aggregator.Rounds.WaitForRoundAsync(1)).Summary.RejectedSites["site-01"], StringComparison.Ordinal);
        }
    }

    /// <summary>What a site cannot train on; it must decline rather than crash in training (classCount errors and the like).</summary>
    public enum Untrainable
    {
        FacesOfOnePerson,
        ModelThatIsNoBackbone,
    }

    [Theory]
    [InlineData(Untrainable.FacesOfOnePerson,
        "this site has usable faces of only 1 person; training needs at least 2 people with a usable face each")]
    [InlineData(Untrainable.ModelThatIsNoBackbone, // the test model is a few small tensors, not a network a site can build
        "cannot train on model v0 with round 1's plan: the model state is no known backbone")]
    public async Task A_site_that_cannot_train_declines_the_round_instead_of_crashing_and_the_round_does_not_wait_for_it(Untrainable untrainable, string reason)
    {
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await OneRoundAggregator.StartAsync(federation, $"untrainable-{untrainable}", log, DeadlineLongerThanTheTest);
        SiteData faces = untrainable == Untrainable.FacesOfOnePerson
            ? TinySites.AlignPhotos(("Aaron_Peirsol", 1), ("Aaron_Peirsol", 2))
            : TinySites.AlignPhotos(("Aaron_Peirsol", 1), ("Aaron_Peirsol", 2), ("Abdoulaye_Wade", 1), ("Abdoulaye_Wade", 2));
        var audit = new RecordingAudit();
        using SiteAgent site = RefusingSite(aggregator, new SiteProtectionPolicy(false, AggregationMode.Plain), log, audit, _ => faces);

        await RunUntilLoggedAsync(site, log, $"Refusing round 1: {reason}");

        Assert.Equal((1, 0), (site.RoundsRefused, site.RoundsAccepted));
        Assert.Empty(audit.Uploads);
        await AssertTheDeclineClosedRoundOneAsync(aggregator, reason);
    }

    /// <summary>
    /// The site told the aggregator: round 1 (<see cref="DeadlineLongerThanTheTest"/>) stopped waiting for its only site and closed at once, nothing
    /// committed, the reason in its summary; and the next round waits out the pause for aborted rounds rather than
    /// following at once, so a site that refuses every round does not make the aggregator spin.
    /// </summary>
    private static async Task AssertTheDeclineClosedRoundOneAsync(RunningAggregator aggregator, string reason)
    {
        RoundSummary first = (await aggregator.Rounds.WaitForRoundAsync(1)).Summary;
        Assert.False(first.Committed);
        Assert.StartsWith($"declined: {reason}", first.RejectedSites["site-01"], StringComparison.Ordinal);
        Assert.True(first.Seconds < 60, $"round 1 took {first.Seconds:F0}s");
        Assert.DoesNotContain(aggregator.Rounds.Finished, s => s.Round == 2);
    }

    /// <summary>site-01 with <paramref name="policy"/>; unless <paramref name="faces"/> is given, loading its faces fails the test (it must never get that far).</summary>
    private SiteAgent RefusingSite(RunningAggregator aggregator, SiteProtectionPolicy policy, CapturedLog log, IUploadAudit audit,
        Func<CancellationToken, SiteData>? faces = null, string stateDirectory = "") => new(
        new SiteOptions
        {
            AggregatorUrl = aggregator.Uri.ToString(),
            CertificatePath = federation.Pki.SiteCertificate("site-01"),
            KeyPath = federation.Pki.SiteKey("site-01"),
            CaCertificatePath = federation.Pki.CaCertificate,
            RequireDifferentialPrivacy = policy.RequireDifferentialPrivacy,
            MinimumAggregationMode = policy.MinimumAggregationMode,
            MinimumCorruptFraction = policy.MinimumCorruptFraction,
            StateDirectory = stateDirectory,
        },
        faces ?? (_ => throw new InvalidOperationException("the site loaded its faces to train in a round it should have refused")),
        log.Factory(), audit: audit);

    /// <summary>
    /// Runs the site until it logs <paramref name="refusal"/>, then a little longer: the aggregator offers the open round
    /// again, and it must stay refused without a second refusal. A fault of the site (such as trying to train) fails the test.
    /// </summary>
    private static async Task RunUntilLoggedAsync(SiteAgent site, CapturedLog log, string refusal)
    {
        using var stop = new CancellationTokenSource();
        Task run = site.RunAsync(stop.Token);
        Task<LogEntry> logged = log.WaitForAsync(refusal, Eventually.Patience, "FedFace.Site.site-01");
        await await Task.WhenAny(run, logged);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
            // stopped, as asked
        }
    }

    private ModelSignature Tamper(ModelSignature signature, Tampering tampering, ModelState model) => tampering switch
    {
        Tampering.SignatureBytesFlipped => CommittedSignature.WithSignatureBitFlipped(signature),
        Tampering.SignedByASiteCertificate => CommittedSignature.SignWith(federation.Pki.SiteCertificate("site-02"), federation.Pki.SiteKey("site-02"), model, version: 0),
        _ => CommittedSignature.SignWith(federation.Pki.ModelSigningCertificate, federation.Pki.ModelSigningKey, model, version: 3),
    };

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
