using System.Text.Json;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Crashes a commit right after <paramref name="step"/> of <paramref name="file"/>, in <paramref name="round"/> or (null) in any round.</summary>
public sealed class InjectedCommitCrash(long? round, CommitFile file, AtomicWriteStep step) : ICommitFaults
{
    /// <summary>Whether a commit crashed here is committed all the same: only the rename of state.json commits.</summary>
    public bool LeavesTheRoundCommitted => file == CommitFile.State && step >= AtomicWriteStep.Renamed;

    public override string ToString() => $"{file}.{step}{(round is null ? "" : $" of round {round}")}";

    public void After(long committing, CommitFile written, AtomicWriteStep done)
    {
        if ((round ?? committing, file, step) == (committing, written, done))
        {
            throw new InjectedCrashException($"after {done} of the {written} file of round {committing}");
        }
    }
}

/// <summary>What a state directory must hold however its commits were interrupted.</summary>
public static class CheckpointChain
{
    public static IReadOnlyList<string> TemporaryFiles(string stateDirectory) =>
        [.. Directory.EnumerateFiles(stateDirectory, "*.tmp", SearchOption.AllDirectories)];

    /// <summary>
    /// One state record per round from 0 to <paramref name="lastRound"/>, none twice, each naming files that hold what it
    /// records; state.json is the last of them and names <paramref name="lastSha256"/>.
    /// </summary>
    public static void AssertUnbroken(string stateDirectory, long lastRound, string lastSha256)
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
        Assert.Equal(lastSha256, state.ModelSha256);
    }

    private static CommittedState ReadState(string path) => JsonSerializer.Deserialize<CommittedState>(File.ReadAllText(path))!;

    private static void AssertHolds(string stateDirectory, string fileName, long version, string sha256)
    {
        (ModelState model, long stored) = FedFace.Protocol.Storage.ModelFile.Read(Path.Combine(stateDirectory, fileName));
        Assert.Equal((version, sha256), (stored, model.ComputeSha256Hex()));
    }
}
