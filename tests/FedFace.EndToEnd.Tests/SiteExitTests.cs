using FedFace.Aggregator.Tests.Kit;
using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// The real <c>fedface-site</c> process on a fatal error: it says why in one line (no stack trace) and exits non-zero,
/// so systemd or Kubernetes restarts it or tells its operator; a configuration error exits 2.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class SiteExitTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_site_whose_aggregator_stays_unreachable_past_its_give_up_time_exits_1_with_one_line()
    {
        using SitePhotos photos = TwoPeople();
        Uri nobody = new($"https://127.0.0.1:{Loopback.FreePort()}/");

        SiteRun run = await RunSiteAsync([.. SiteProcess.Settings(federation.Pki, "site-01", nobody, photos.Root),
            "--Site:GiveUpAfterSeconds=3", "--Site:RetryBaseDelayMilliseconds=100", "--Site:RetryMaxDelayMilliseconds=500"]);

        Assert.Equal(1, run.ExitCode);
        AssertOneFatalLine(run, "the aggregator at https://127.0.0.1:");
        AssertOneFatalLine(run, "stayed unreachable for more than Site:GiveUpAfterSeconds (3 s)");
        Assert.Single(run.Lines, l => l.Contains("Aggregator unreachable (", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_site_with_a_certificate_of_another_federation_exits_1_with_one_line_before_aligning_its_faces()
    {
        SiteRun run = await RunTwoPeopleSiteAsync(
            $"--Site:CertificatePath={federation.OtherPki.SiteCertificate("site-01")}", $"--Site:KeyPath={federation.OtherPki.SiteKey("site-01")}");

        Assert.Equal(1, run.ExitCode);
        AssertOneFatalLine(run, "would be refused by the aggregator");
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("Site data:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_site_that_does_not_trust_the_aggregator_exits_1_with_one_line_without_retrying()
    {
        await using RunningAggregator aggregator = await OneRoundAggregator.StartAsync(federation, "untrusted-aggregator", new CapturedLog(output));
        using SitePhotos photos = TwoPeople();

        // A site of the other federation, trusting only its own CA, dials this federation's aggregator.
        SiteRun run = await RunSiteAsync(SiteProcess.Settings(federation.OtherPki, "site-01", aggregator.Uri, photos.Root));

        Assert.Equal(1, run.ExitCode);
        AssertOneFatalLine(run, "the TLS handshake with the aggregator at");
        Assert.DoesNotContain(run.Lines, l => l.Contains("Aggregator unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_site_with_the_faces_of_one_person_only_says_what_its_data_folder_lacks_and_exits_1_before_joining()
    {
        using SitePhotos photos = new SitePhotos().Add("Aaron_Peirsol", 1, 2).AddFile("notes.txt", "not a photo");
        Uri nobody = new($"https://127.0.0.1:{Loopback.FreePort()}/");

        SiteRun run = await RunSiteAsync(SiteProcess.Settings(federation.Pki, "site-01", nobody, photos.Root));

        Assert.Equal(1, run.ExitCode);
        AssertOneFatalLine(run, $"site data folder {photos.Root} has 2 usable faces of 1 person");
        AssertOneFatalLine(run, "training needs at least 2 people with a usable face each");
        Assert.DoesNotContain(run.Lines, l => l.Contains("Aggregator unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_site_whose_settings_are_wrong_exits_2_naming_each_setting()
    {
        SiteRun run = await RunTwoPeopleSiteAsync("--Site:AggregatorUrl=http://plain.example", "--Site:KeyPath=/nowhere/site.key", "--Site:GiveUpAfterSeconds=0");

        Assert.Equal(2, run.ExitCode);
        AssertOneFatalLine(run, "Site:AggregatorUrl must be an https URL, got 'http://plain.example'");
        AssertOneFatalLine(run, "Site:KeyPath '/nowhere/site.key' does not exist");
        AssertOneFatalLine(run, "Site:GiveUpAfterSeconds must be a number of seconds > 0 (or unset: never give up), got 0");
    }

    [Fact]
    public async Task A_site_whose_setting_is_not_of_its_type_exits_2_naming_the_setting()
    {
        SiteRun run = await RunTwoPeopleSiteAsync("--Site:GiveUpAfterSeconds=soon");

        Assert.Equal(2, run.ExitCode);
        AssertOneFatalLine(run, "(Site:GiveUpAfterSeconds): 'soon' is not a valid number");
    }

    /// <summary>site-01 with the faces of two people, its settings overridden by <paramref name="overrides"/>; it fails before dialling.</summary>
    private async Task<SiteRun> RunTwoPeopleSiteAsync(params string[] overrides)
    {
        using SitePhotos photos = TwoPeople();
        return await RunSiteAsync([.. SiteProcess.Settings(federation.Pki, "site-01", new Uri("https://127.0.0.1:1/"), photos.Root), .. overrides]);
    }

    private async Task<SiteRun> RunSiteAsync(string[] args)
    {
        SiteRun run = await SiteProcess.RunAsync(args);
        output.WriteLine(run.ToString());
        return run;
    }

    /// <summary>Exactly one line carries <paramref name="fragment"/>, and nothing looks like a stack trace.</summary>
    private static void AssertOneFatalLine(SiteRun run, string fragment)
    {
        Assert.Single(run.Lines, l => l.Contains(fragment, StringComparison.Ordinal));
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }

    private static SitePhotos TwoPeople() => new SitePhotos().Add("Aaron_Peirsol", 1, 2).Add("Abdoulaye_Wade", 1, 2);
}
