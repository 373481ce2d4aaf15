using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Invariant 3 at the instant of a commit: a crash at any step of any file a commit writes leaves the previous round or
/// the new one, whole; the restarted aggregator resumes from it, removes what the crash left half-written, and commits on.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class CommitCrashTests(TestFederation federation, ITestOutputHelper output)
{
    public static TheoryData<CommitFile, AtomicWriteStep> EveryCommitStep()
    {
        var steps = new TheoryData<CommitFile, AtomicWriteStep>();
        foreach (CommitFile file in Enum.GetValues<CommitFile>())
        {
            foreach (AtomicWriteStep step in Enum.GetValues<AtomicWriteStep>())
            {
                steps.Add(file, step);
            }
        }
        return steps;
    }

    [Theory]
    [MemberData(nameof(EveryCommitStep))]
    public async Task After_a_crash_at_any_step_of_a_commit_the_aggregator_resumes_from_one_whole_round_without_leftovers_and_the_hash_chain_holds(
        CommitFile file, AtomicWriteStep step)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace($"commit-crash-{file}-{step}");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState[] models = [.. Enumerable.Range(0, 4).Select(i => TestModels.Small(seed: 40 + i))];
        var store = new CheckpointStore(stateDirectory);
        store.Commit(round: 0, version: 0, models[0]);
        store.Commit(round: 1, version: 1, models[1], OptimizerState(models[1]));

        var crash = new InjectedCommitCrash(round: null, file, step);
        var crashing = new CheckpointStore(stateDirectory, crash);
        Assert.Throws<InjectedCrashException>(() => crashing.Commit(round: 2, version: 2, models[2], OptimizerState(models[2])));
        bool leftTemporaryFile = step < AtomicWriteStep.Renamed;
        Assert.Equal(leftTemporaryFile, CheckpointChain.TemporaryFiles(stateDirectory).Any());

        (long round, ModelState model) expected = crash.LeavesTheRoundCommitted ? (2, models[2]) : (1, models[1]);
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, models[0]));
        await using RunningAggregator resumed = RunningAggregator.Create(setup, log);
        Assert.Equal((expected.round, expected.round), (resumed.Coordinator.CommittedRound, resumed.Coordinator.ModelVersion));
        Assert.Equal(expected.model.ComputeSha256Hex(), resumed.Coordinator.GlobalModel.ComputeSha256Hex());
        Assert.Empty(CheckpointChain.TemporaryFiles(stateDirectory));
        Assert.Equal(leftTemporaryFile, log.Matching("a temporary file a commit interrupted by a crash left behind", "FedFace.Aggregator").Count > 0);

        // The resumed aggregator commits its next round the way a finished round does.
        resumed.App.Services.GetRequiredService<RoundCommitter>().Commit(expected.round + 1, models[3], privacy: null);
        CheckpointChain.AssertUnbroken(stateDirectory, lastRound: expected.round + 1, models[3].ComputeSha256Hex());
    }

    private static OptimizerCheckpoint OptimizerState(ModelState model) => new("test-momentum", model);
}
