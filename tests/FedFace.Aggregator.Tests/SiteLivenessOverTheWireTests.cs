using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>A site that vanished leaves the sample instead of holding every round until its deadline, and comes back when it calls.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class SiteLivenessOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_site_silent_for_longer_than_the_site_timeout_is_not_sampled_and_the_round_closes_when_the_live_sites_answer()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("liveness");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 8)))
            {
                MinSites = 2,
                TotalRounds = 2,
                RoundDeadlineSeconds = 600, // round 2 ends within the test only if the silent site is left out
                SiteTimeoutSeconds = 1.5,
                PreJoinedSites = ["site-01", "site-02"],
            }, log);
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Take(3).Select(id => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), 10))];
        try
        {
            // Round 1 samples the two pre-joined sites; site-03 joins while it runs, then falls silent.
            RoundTask[] round1 = await Task.WhenAll(sites[..2].Select(s => s.NextTaskAsync())).WaitAsync(Eventually.Patience);
            await sites[2].JoinAsync();
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // site-03 silent past the timeout; sites 1 and 2 train round 1
            foreach ((SyntheticSite site, RoundTask task) in sites[..2].Zip(round1))
            {
                ModelState delta = site.DeltaFor(task.Round, await site.DownloadForAsync(task));
                Assert.True((await site.UploadAsync(site.HeaderFor(task, delta), delta)).Accepted);
            }
            Assert.True((await aggregator.Rounds.WaitForRoundAsync(1)).Summary.Committed);

            (RoundTask Task, UploadReply Reply)[] round2 = await Task.WhenAll(sites[..2].Select(s => s.TakePartAsync(minRound: 2))).WaitAsync(Eventually.Patience);

            Assert.All(round2, r => Assert.True(r.Reply.Accepted, r.Reply.Reason));
            RoundSummary summary = (await aggregator.Rounds.WaitForRoundAsync(2)).Summary;
            Assert.True(summary.Committed, summary.Outcome);
            Assert.Equal(["site-01", "site-02"], summary.SampledSites);
            LogEntry left = Assert.Single(log.Matching("Site site-03 left the sample"));
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, left.Level);

            TaskReply reply = await sites[2].Client.GetTaskAsync(new TaskRequest { ProtocolVersion = SyntheticSite.Protocol });
            Assert.NotEqual(TaskReply.OutcomeOneofCase.Task, reply.OutcomeCase);
            await log.WaitForAsync("Site site-03 is back after", Eventually.Patience, "FedFace.Aggregator");
        }
        finally
        {
            foreach (SyntheticSite site in sites)
            {
                site.Dispose();
            }
        }
    }
}
