using System.Globalization;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Many lives of one aggregator: each resumes from the state directory, commits rounds through its real committer and
/// dies at a random step of a commit. A few rounds in CI; scripts/crash-loop.sh runs as many as asked and prints the table.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class CommitCrashLoopTests(TestFederation federation, ITestOutputHelper output)
{
    public const string RoundsVariable = "FEDFACE_CRASH_LOOP_ROUNDS";
    public const string SeedVariable = "FEDFACE_CRASH_LOOP_SEED";
    public const string TableVariable = "FEDFACE_CRASH_LOOP_TABLE";

    // Rounds committed by the committer carry no optimiser file under FedAvg; CommitCrashTests covers that file.
    private static readonly CommitFile[] s_files = [CommitFile.Model, CommitFile.StateRecord, CommitFile.State];

    [Fact]
    public async Task Through_lives_that_each_end_in_a_crash_at_a_random_commit_step_no_committed_round_is_lost_or_committed_twice()
    {
        int rounds = Setting(RoundsVariable, fallback: 10);
        var random = new Random(Setting(SeedVariable, fallback: 24));
        var log = new CapturedLog();
        string workspace = federation.Workspace("crash-loop");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 1000);
        string initialPath = TestFederation.WriteInitialModel(workspace, initial);
        (long Round, string Sha256) committed = (0, initial.ComputeSha256Hex());
        var table = new List<string>
        {
            "| life | resumed from round | model sha256 | temporaries removed | crash at | in round | round committed by it |",
            "|---:|---:|---|---:|---|---:|---|",
        };
        int attempt = 0;
        for (int life = 1; ; life++)
        {
            var crash = new InjectedCommitCrash(committed.Round + 1 + random.Next(3), s_files[random.Next(s_files.Length)],
                Enum.GetValues<AtomicWriteStep>()[random.Next(Enum.GetValues<AtomicWriteStep>().Length)]);
            int removedBefore = RemovedTemporaries(log);
            var setup = new AggregatorSetup(federation.Pki, stateDirectory, initialPath)
            {
                TotalRounds = rounds,
                MoreServices = services => services.AddSingleton(new CheckpointStore(stateDirectory, crash)),
            };
            await using RunningAggregator aggregator = RunningAggregator.Create(setup, log);
            Assert.Equal((committed.Round, committed.Round), (aggregator.Coordinator.CommittedRound, aggregator.Coordinator.ModelVersion));
            Assert.Equal(committed.Sha256, aggregator.Coordinator.GlobalModel.ComputeSha256Hex());
            Assert.Empty(CheckpointChain.TemporaryFiles(stateDirectory));
            string resumed = $"| {life} | {committed.Round} | {committed.Sha256[..12]}… | {RemovedTemporaries(log) - removedBefore} |";
            if (committed.Round == rounds)
            {
                table.Add($"{resumed} — | — | — |");
                break;
            }
            (long round, bool crashed) = (committed.Round + 1, false);
            for (; round <= rounds && !crashed; round++)
            {
                ModelState model = TestModels.Small(seed: ++attempt);
                try
                {
                    aggregator.App.Services.GetRequiredService<RoundCommitter>().Commit(round, model, privacy: null);
                    committed = (round, model.ComputeSha256Hex());
                }
                catch (InjectedCrashException)
                {
                    crashed = true;
                    committed = crash.LeavesTheRoundCommitted ? (round, model.ComputeSha256Hex()) : committed;
                    table.Add($"{resumed} {crash.ToString().Split(' ')[0]} | {round} | {(crash.LeavesTheRoundCommitted ? "yes" : "no")} |");
                }
            }
            if (!crashed)
            {
                table.Add($"{resumed} — (past the last round) | — | — |");
            }
        }
        CheckpointChain.AssertUnbroken(stateDirectory, rounds, committed.Sha256);
        Report(table);
    }

    private static int RemovedTemporaries(CapturedLog log) => log.Matching("a temporary file a commit interrupted by a crash left behind").Count;

    private static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    private void Report(IReadOnlyList<string> table)
    {
        foreach (string line in table)
        {
            output.WriteLine(line);
        }
        if (Environment.GetEnvironmentVariable(TableVariable) is { Length: > 0 } path)
        {
            File.WriteAllLines(path, table);
        }
    }
}
