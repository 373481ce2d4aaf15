using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>AverageLastModels: the last round publishes the mean of the last global models, and only the last round does.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class AverageLastModelsTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task The_last_round_publishes_the_mean_of_its_own_step_and_the_model_before_while_earlier_rounds_publish_their_step()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("average-last");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 11);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 2,
                TotalRounds = 3,
                AverageLastModels = 2,
            }, log);
        using var site1 = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 30);
        using var site2 = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 70);
        await Task.WhenAll(site1.JoinAsync(), site2.JoinAsync()).WaitAsync(Eventually.Patience);

        var published = new List<ModelState> { initial };
        for (long round = 1; round <= 3; round++)
        {
            await Task.WhenAll(site1.TakePartAsync(), site2.TakePartAsync()).WaitAsync(Eventually.Patience);
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(round);
            Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
            (ModelState Delta, long Examples)[] updates = [.. site1.Sent.Concat(site2.Sent).Where(u => u.Header.Round == round).Select(u => (u.Delta, u.Header.ExampleCount))];
            if (round < 3)
            {
                TestModels.AssertPreviousPlusWeightedMean(published[^1], updates, finished.GlobalModel);
                Assert.DoesNotContain("mean of models", finished.Summary.Outcome);
                Assert.Equal(1, finished.Summary.AveragedModels);
            }
            else
            {
                // Undo the average to recover the round's own step, then check that step is FedAvg's.
                ModelState ownStep = new(finished.GlobalModel.Tensors.Select(t => new NamedTensor(t.Name, t.Shape,
                    t.Values.Select((mean, i) => 2 * mean - published[^1][t.Name].Values[i]).ToArray())));
                TestModels.AssertPreviousPlusWeightedMean(published[^1], updates, ownStep, tolerance: 1e-5);
                Assert.Contains("published as the mean of models v2-v3", finished.Summary.Outcome);
                Assert.Equal(2, finished.Summary.AveragedModels);
            }
            published.Add(finished.GlobalModel);
        }

        // What is checkpointed and served is the mean.
        (CommittedState state, ModelState onDisk, _) = new CheckpointStore(stateDirectory).Load();
        Assert.Equal(3L, state.ModelVersion);
        TestModels.AssertSameValues(published[3], onDisk);
        TestModels.AssertSameValues(published[3], aggregator.Coordinator.GlobalModel);
    }

    [Fact]
    public void The_setting_must_lie_between_one_and_the_rounds_run()
    {
        var options = new AggregatorOptions { TotalRounds = 4, AverageLastModels = 5 };
        Assert.Contains(options.Problems(), p => p.StartsWith("Aggregator:AverageLastModels must be between 1 and TotalRounds (4), got 5", StringComparison.Ordinal));
        options.AverageLastModels = 0;
        Assert.Contains(options.Problems(), p => p.Contains("AverageLastModels", StringComparison.Ordinal));
        options.AverageLastModels = 4;
        Assert.DoesNotContain(options.Problems(), p => p.Contains("AverageLastModels", StringComparison.Ordinal));
    }
}
