using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Invariant 4: a round with fewer than MinSites valid updates by its deadline commits nothing at all.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class RoundQuorumTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_round_with_fewer_than_MinSites_valid_updates_by_the_deadline_commits_nothing_and_the_next_round_still_commits()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("quorum");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 5);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = 3,
                PreJoinedSites = ["site-01", "site-02", "site-03"],
            }, log);
        SyntheticSite[] sites = [.. new[] { 25L, 75L, 50L }.Select((n, i) =>
            new SyntheticSite(TestFederation.SiteIds[i], federation.Pki, aggregator.Uri, log.Factory(), n))];
        try
        {
            var checkpoints = new CheckpointStore(stateDirectory);
            byte[] stateBefore = await File.ReadAllBytesAsync(checkpoints.StatePath);

            // Round 1: one valid update, one poisoned with NaN, one site silent.
            (RoundTask task, UploadReply valid) = await sites[0].TakePartAsync().WaitAsync(Eventually.Patience);
            Assert.True(valid.Accepted, valid.Reason);
            ModelState poisoned = sites[1].DeltaFor(task.Round, await sites[1].DownloadForAsync(task));
            poisoned["conv.weight"].Values[3] = float.NaN;
            UploadReply rejected = await sites[1].UploadAsync(sites[1].HeaderFor(task, poisoned), poisoned).WaitAsync(Eventually.Patience);
            Assert.Equal(RejectionCode.NonFinite, rejected.Rejection);

            FinishedRound aborted = await aggregator.Rounds.WaitForRoundAsync(1);

            Assert.False(aborted.Summary.Committed, aborted.Summary.Outcome);
            Assert.Null(aborted.Summary.CommittedModelVersion);
            Assert.Equal(["site-01"], aborted.Summary.AcceptedSites);
            Assert.Equal(["site-02"], aborted.Summary.RejectedSites.Keys);
            Assert.Contains("1 valid updates by the deadline, 2 needed; nothing committed", aborted.Summary.Outcome, StringComparison.Ordinal);
            await log.WaitForAsync("Round 1 aborted", Eventually.Patience, "FedFace.Aggregator");
            Assert.Equal(0, aggregator.Coordinator.ModelVersion);
            Assert.Equal(0, aggregator.Coordinator.CommittedRound);
            TestModels.AssertSameValues(initial, aborted.GlobalModel);
            Assert.Equal(stateBefore, await File.ReadAllBytesAsync(checkpoints.StatePath));
            Assert.Equal(["global-v000000.ffm"], Directory.GetFiles(Path.Combine(stateDirectory, "models"), "*.ffm").Select(Path.GetFileName));

            // Round 2 trains the same model v0, and with every site answering it commits v1.
            (RoundTask Task, UploadReply Reply)[] round2 = await Task.WhenAll(sites.Select(s => s.TakePartAsync(minRound: 2))).WaitAsync(Eventually.Patience);

            Assert.All(round2, r => Assert.True(r.Reply.Accepted, $"{r.Reply.Rejection}: {r.Reply.Reason}"));
            Assert.All(round2, r => Assert.Equal((2L, 0L), (r.Task.Round, r.Task.ModelVersion)));
            FinishedRound committed = await aggregator.Rounds.WaitForRoundAsync(2);
            Assert.True(committed.Summary.Committed, committed.Summary.Outcome);
            Assert.Equal((0L, 1L), (committed.Summary.BaseModelVersion, committed.Summary.CommittedModelVersion));
            SentUpdate[] round2Updates = [.. sites.SelectMany(s => s.Sent).Where(u => u.Header.Round == 2)];
            Assert.Equal(3, round2Updates.Length);
            TestModels.AssertPreviousPlusWeightedMean(initial, [.. round2Updates.Select(u => (u.Delta, u.Header.ExampleCount))], committed.GlobalModel);
            (CommittedState state, ModelState onDisk, _) = checkpoints.Load();
            Assert.Equal((2L, 1L), (state.CommittedRound, state.ModelVersion));
            TestModels.AssertSameValues(committed.GlobalModel, onDisk);
        }
        finally
        {
            foreach (SyntheticSite site in sites)
            {
                site.Dispose();
            }
        }
    }
    [Fact]
    public async Task A_site_that_declines_is_no_longer_waited_for_and_its_reason_is_in_the_round_summary()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("decline");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 6)))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = 600, // the round can only end within the test if the decline ends the wait
                PreJoinedSites = ["site-01", "site-02", "site-03"],
            }, log);
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Take(3).Select(id => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), 10))];
        try
        {
            (RoundTask task, UploadReply first) = await sites[0].TakePartAsync().WaitAsync(Eventually.Patience);
            Assert.True(first.Accepted, first.Reason);

            DeclineRoundReply afterAnswering = await Decline(sites[0], task.Round, "changed its mind");
            DeclineRoundReply wrongRound = await Decline(sites[2], task.Round + 1, "not this one");
            Assert.Equal((false, $"site site-01 already answered round {task.Round}"), (afterAnswering.Recorded, afterAnswering.Reason));
            Assert.Equal((false, $"round {task.Round + 1} is not open"), (wrongRound.Recorded, wrongRound.Reason));

            (_, UploadReply second) = await sites[1].TakePartAsync().WaitAsync(Eventually.Patience);
            Assert.True(second.Accepted, second.Reason);
            DeclineRoundReply declined = await Decline(sites[2], task.Round, "round 1 trains without differential privacy, and Site:RequireDifferentialPrivacy is set");
            Assert.True(declined.Recorded, declined.Reason);

            RoundSummary summary = (await aggregator.Rounds.WaitForRoundAsync(1)).Summary;
            Assert.True(summary.Committed, summary.Outcome);
            Assert.Equal(["site-01", "site-02"], summary.AcceptedSites);
            Assert.Equal("declined: round 1 trains without differential privacy, and Site:RequireDifferentialPrivacy is set", summary.RejectedSites["site-03"]);
            await log.WaitForAsync("Round 1: site site-03 declined it", Eventually.Patience, "FedFace.Aggregator");
        }
        finally
        {
            foreach (SyntheticSite site in sites)
            {
                site.Dispose();
            }
        }

        static async Task<DeclineRoundReply> Decline(SyntheticSite site, long round, string reason) =>
            await site.Client.DeclineRoundAsync(new DeclineRoundRequest { ProtocolVersion = SyntheticSite.Protocol, Round = round, Reason = reason });
    }
}
