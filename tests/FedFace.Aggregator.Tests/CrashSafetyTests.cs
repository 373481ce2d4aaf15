using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Invariant 3: a completed round is never lost; the aggregator resumes from its checkpoint and sites recover by themselves.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class CrashSafetyTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task After_a_restart_on_the_same_state_directory_the_aggregator_resumes_from_the_committed_model_and_round_2_commits()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("restart");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 6);
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
        {
            MinSites = 2,
            TotalRounds = 3,
        };

        // First life: round 1 commits v1; round 2 opens and is lost with the process.
        ModelState committed;
        string committedHash;
        await using (RunningAggregator first = await RunningAggregator.StartAsync(setup, log))
        {
            using var site1 = new SyntheticSite("site-01", federation.Pki, first.Uri, log.Factory(), exampleCount: 40);
            using var site2 = new SyntheticSite("site-02", federation.Pki, first.Uri, log.Factory(), exampleCount: 90);
            await Task.WhenAll(site1.JoinAsync(), site2.JoinAsync()).WaitAsync(Eventually.Patience);
            await Task.WhenAll(site1.TakePartAsync(), site2.TakePartAsync()).WaitAsync(Eventually.Patience);
            FinishedRound round1 = await first.Rounds.WaitForRoundAsync(1);
            Assert.True(round1.Summary.Committed, round1.Summary.Outcome);
            committed = round1.GlobalModel;
            committedHash = round1.Summary.CommittedModelSha256!;
            await first.StopAsync();
        }

        // Second life, on another port. Its InitialModelPath names a different model, which must be ignored.
        string otherInitial = TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 99), "other-initial.ffm");
        await using RunningAggregator second = RunningAggregator.Create(setup with { InitialModelPath = otherInitial }, log);
        Assert.Equal(1, second.Coordinator.ModelVersion);
        Assert.Equal(1, second.Coordinator.CommittedRound);
        Assert.Equal(committedHash, second.Coordinator.GlobalModel.ComputeSha256Hex());
        await second.StartAsync();
        await log.WaitForAsync($"Resumed from committed round 1: model v1 sha256 {committedHash}", Eventually.Patience, "FedFace.Aggregator");

        // New connections, no Join call: asking for work joins a site.
        using var again1 = new SyntheticSite("site-01", federation.Pki, second.Uri, log.Factory(), exampleCount: 40);
        using var again2 = new SyntheticSite("site-02", federation.Pki, second.Uri, log.Factory(), exampleCount: 90);
        (RoundTask Task, UploadReply Reply)[] round2 = await Task.WhenAll(again1.TakePartAsync(), again2.TakePartAsync()).WaitAsync(Eventually.Patience);

        Assert.All(round2, r => Assert.True(r.Reply.Accepted, $"{r.Reply.Rejection}: {r.Reply.Reason}"));
        Assert.All(round2, r => Assert.Equal((2L, 1L, committedHash), (r.Task.Round, r.Task.ModelVersion, Convert.ToHexStringLower(r.Task.ModelSha256.Span))));
        FinishedRound finished = await second.Rounds.WaitForRoundAsync(2);
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal((1L, 2L), (finished.Summary.BaseModelVersion, finished.Summary.CommittedModelVersion));
        TestModels.AssertPreviousPlusWeightedMean(committed, [.. again1.Sent.Concat(again2.Sent).Select(u => (u.Delta, u.Header.ExampleCount))], finished.GlobalModel);
        (CommittedState state, ModelState onDisk, _) = new CheckpointStore(stateDirectory).Load();
        Assert.Equal((2L, 2L), (state.CommittedRound, state.ModelVersion));
        TestModels.AssertSameValues(finished.GlobalModel, onDisk);
    }

    [Fact]
    public async Task A_site_that_was_mid_round_when_the_aggregator_went_down_recovers_by_itself_once_it_is_back_on_the_same_port()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("recovery");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 7);
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
        {
            MinSites = 2,
            TotalRounds = 2,
            RoundDeadlineSeconds = 60, // rounds close when both sites answered; the deadline never decides here
        };
        RunningAggregator first = await RunningAggregator.StartAsync(setup, log);
        RunningAggregator? second = null;
        using var stopAll = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var midRound = new SyntheticSite("site-01", federation.Pki, first.Uri, log.Factory(), exampleCount: 70);
        using var other = new SyntheticSite("site-02", federation.Pki, first.Uri, log.Factory(), exampleCount: 30);
        var aboutToUploadRound2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aggregatorDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int pauses = 0;
        midRound.BeforeUpload = async task =>
        {
            // The first time it holds a round-2 update (task and model in hand), the aggregator goes down.
            if (task.Round == 2 && Interlocked.Increment(ref pauses) == 1)
            {
                aboutToUploadRound2.SetResult();
                await aggregatorDown.Task;
            }
        };
        try
        {
            // Both sites run their own loops; the test never steers them again.
            Task<int> midRoundRun = midRound.RunUntilFinishedAsync(stopAll.Token);
            Task<int> otherRun = other.RunUntilFinishedAsync(stopAll.Token);

            await aboutToUploadRound2.Task.WaitAsync(Eventually.Patience);
            FinishedRound round1 = await first.Rounds.WaitForRoundAsync(1);
            Assert.True(round1.Summary.Committed, round1.Summary.Outcome);
            string committedHash = round1.Summary.CommittedModelSha256!;
            int port = first.Port;
            await first.StopAsync();
            aggregatorDown.SetResult();

            // Its upload now fails at the transport and the Polly pipeline retries it, with nobody listening.
            await log.WaitForAsync("Aggregator unreachable", Eventually.Patience, "FedFace.Site.site-01");

            second = await RunningAggregator.StartAsync(setup with { Port = port }, log);
            Assert.Equal(port, second.Port);
            await log.WaitForAsync($"Resumed from committed round 1: model v1 sha256 {committedHash}", Eventually.Patience, "FedFace.Aggregator");

            int[] acceptedRounds = await Task.WhenAll(midRoundRun, otherRun).WaitAsync(Eventually.Patience * 2);

            // Round 2 ran again on the restarted aggregator and committed with the recovered site in it.
            FinishedRound round2 = await second.Rounds.WaitForRoundAsync(2);
            Assert.True(round2.Summary.Committed, round2.Summary.Outcome);
            Assert.Equal((1L, 2L), (round2.Summary.BaseModelVersion, round2.Summary.CommittedModelVersion));
            Assert.Equal(["site-01", "site-02"], round2.Summary.AcceptedSites);
            Assert.Equal(2, acceptedRounds[0]); // site-01: round 1 before the crash, round 2 after it
            SentUpdate lastOfMidRound = midRound.Sent.Last();
            Assert.True(lastOfMidRound.Reply.Accepted, lastOfMidRound.Reply.Reason);
            Assert.Equal(2, lastOfMidRound.Header.Round);
            // What round 2 committed is v1 + the weighted mean of the deltas the two sites sent for it.
            ModelState[] deltas = [TestModels.DeltaFor("site-01", 2, round1.GlobalModel), TestModels.DeltaFor("site-02", 2, round1.GlobalModel)];
            TestModels.AssertPreviousPlusWeightedMean(round1.GlobalModel, [(deltas[0], 70L), (deltas[1], 30L)], round2.GlobalModel);
            (CommittedState state, _, _) = new CheckpointStore(stateDirectory).Load();
            Assert.Equal((2L, 2L, round2.Summary.CommittedModelSha256), (state.CommittedRound, state.ModelVersion, state.ModelSha256));
        }
        finally
        {
            aggregatorDown.TrySetResult();
            await stopAll.CancelAsync();
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }
}
