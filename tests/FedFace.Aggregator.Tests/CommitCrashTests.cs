using System.Text.Json;
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

        var crashing = new CheckpointStore(stateDirectory, new CrashAt(file, step));
        Assert.Throws<InjectedCrashException>(() => crashing.Commit(round: 2, version: 2, models[2], OptimizerState(models[2])));
        bool leftTemporaryFile = step < AtomicWriteStep.Renamed;
        Assert.Equal(leftTemporaryFile, TemporaryFiles(stateDirectory).Any());

        // Only the rename of state.json makes round 2 committed; before it, round 1 is.
        bool round2Committed = file == CommitFile.State && step >= AtomicWriteStep.Renamed;
        (long round, ModelState model) expected = round2Committed ? (2, models[2]) : (1, models[1]);
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, models[0]));
        await using RunningAggregator resumed = RunningAggregator.Create(setup, log);
        Assert.Equal((expected.round, expected.round), (resumed.Coordinator.CommittedRound, resumed.Coordinator.ModelVersion));
        Assert.Equal(expected.model.ComputeSha256Hex(), resumed.Coordinator.GlobalModel.ComputeSha256Hex());
        Assert.Empty(TemporaryFiles(stateDirectory));
        Assert.Equal(leftTemporaryFile, log.Matching("a temporary file a commit interrupted by a crash left behind", "FedFace.Aggregator").Count > 0);

        // The resumed aggregator commits its next round the way a finished round does.
        resumed.App.Services.GetRequiredService<RoundCommitter>().Commit(expected.round + 1, models[3], privacy: null);
        AssertUnbrokenChain(stateDirectory, lastRound: expected.round + 1, models[3]);
    }

    private static OptimizerCheckpoint OptimizerState(ModelState model) => new("test-momentum", model);

    private static IEnumerable<string> TemporaryFiles(string stateDirectory) =>
        Directory.EnumerateFiles(stateDirectory, "*.tmp", SearchOption.AllDirectories);

    /// <summary>
    /// One state record per round from 0 to <paramref name="lastRound"/>, none twice, each naming files that hold what it
    /// records; state.json is the last of them and names <paramref name="last"/>.
    /// </summary>
    private static void AssertUnbrokenChain(string stateDirectory, long lastRound, ModelState last)
    {
        CommittedState[] records = [.. Directory.EnumerateFiles(Path.Combine(stateDirectory, "models"), "state-v*.json")
            .Select(ReadState)
            .OrderBy(record => record.ModelVersion)];
        Assert.Equal(Enumerable.Range(0, (int)lastRound + 1).Select(round => (long)round), records.Select(record => record.CommittedRound));
        foreach (CommittedState record in records)
        {
            AssertHolds(stateDirectory, record.ModelFileName, record.ModelVersion, record.ModelSha256);
            if (record.OptimizerFileName is not null)
            {
                AssertHolds(stateDirectory, record.OptimizerFileName, record.ModelVersion, record.OptimizerSha256!);
            }
        }
        CommittedState state = ReadState(Path.Combine(stateDirectory, "state.json"));
        Assert.Equal((records[^1].ModelVersion, records[^1].ModelSha256), (state.ModelVersion, state.ModelSha256));
        Assert.Equal(last.ComputeSha256Hex(), state.ModelSha256);
    }

    private static CommittedState ReadState(string path) => JsonSerializer.Deserialize<CommittedState>(File.ReadAllText(path))!;

    private static void AssertHolds(string stateDirectory, string fileName, long version, string sha256)
    {
        (ModelState model, long stored) = ModelFile.Read(Path.Combine(stateDirectory, fileName));
        Assert.Equal((version, sha256), (stored, model.ComputeSha256Hex()));
    }

    /// <summary>Crashes the commit right after <paramref name="step"/> of <paramref name="file"/>.</summary>
    private sealed class CrashAt(CommitFile file, AtomicWriteStep step) : ICommitFaults
    {
        public void After(long round, CommitFile written, AtomicWriteStep done)
        {
            if ((written, done) == (file, step))
            {
                throw new InjectedCrashException($"after {done} of the {written} file of round {round}");
            }
        }
    }
}
