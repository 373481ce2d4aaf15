using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>Invariant 4, the committing half: the round commits previous + Σnᵢδᵢ/Σnᵢ of what the sites sent.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class FedAvgOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task Three_sites_with_different_example_counts_commit_the_example_weighted_mean_of_their_deltas_and_checkpoint_it()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("fedavg");
        ModelState initial = TestModels.Small(seed: 2);
        string stateDirectory = Path.Combine(workspace, "state");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 3, // round 1 opens once all three have joined, so all three are sampled
                TotalRounds = 1,
            }, log);
        long[] exampleCounts = [120, 35, 800];
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Take(3).Select((id, i) =>
            new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), exampleCounts[i]))];
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);

            (RoundTask Task, UploadReply Reply)[] rounds = await Task.WhenAll(sites.Select(s => s.TakePartAsync())).WaitAsync(Eventually.Patience);

            Assert.All(rounds, r => Assert.True(r.Reply.Accepted, $"{r.Reply.Rejection}: {r.Reply.Reason}"));
            Assert.All(rounds, r => Assert.Equal((1L, 0L), (r.Task.Round, r.Task.ModelVersion)));
            Assert.All(rounds, r => Assert.Equal(initial.ComputeSha256(), r.Task.ModelSha256.ToByteArray()));
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);
            RoundSummary summary = finished.Summary;
            Assert.True(summary.Committed, summary.Outcome);
            Assert.Equal(1, summary.CommittedModelVersion);
            Assert.Equal(["site-01", "site-02", "site-03"], summary.AcceptedSites);
            Assert.Empty(summary.RejectedSites);
            Assert.Equal(exampleCounts.Sum(), summary.TotalExamples);
            double expectedLoss = sites.Sum(s => s.ReportedLoss * s.ExampleCount) / exampleCounts.Sum();
            Assert.Equal(expectedLoss, summary.MeanLocalLoss!.Value, precision: 9);

            // The aggregate, recomputed here from what actually went over the wire.
            SentUpdate[] sent = [.. sites.SelectMany(s => s.Sent)];
            Assert.Equal(3, sent.Length);
            TestModels.AssertPreviousPlusWeightedMean(initial, [.. sent.Select(u => (u.Delta, u.Header.ExampleCount))], finished.GlobalModel);
            Assert.Equal(1, aggregator.Coordinator.ModelVersion);
            Assert.Equal(1, aggregator.Coordinator.CommittedRound);
            string committedHash = finished.GlobalModel.ComputeSha256Hex();
            Assert.Equal(committedHash, summary.CommittedModelSha256);
            Assert.Equal(committedHash, aggregator.Coordinator.GlobalModel.ComputeSha256Hex());

            // The checkpoint on disk holds the same model.
            (CommittedState state, ModelState onDisk, _) = new CheckpointStore(stateDirectory).Load();
            Assert.Equal((1L, 1L, committedHash), (state.CommittedRound, state.ModelVersion, state.ModelSha256));
            Assert.Equal(committedHash, onDisk.ComputeSha256Hex());

            // And it is what a site now downloads.
            Download download = await sites[0].DownloadAsync(1).WaitAsync(Eventually.Patience);
            Assert.Equal(committedHash, download.Model.ComputeSha256Hex());
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
