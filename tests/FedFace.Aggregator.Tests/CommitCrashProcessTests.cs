using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// The built aggregator killed by FEDFACE_CRASH_AT inside its first commit (round 0, at start-up): the next start
/// commits or resumes round 0 whole, with nothing the crash left behind.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class CommitCrashProcessTests(TestFederation federation, ITestOutputHelper output)
{
    [Theory]
    [InlineData("Model.TemporaryFlushed:0")]
    [InlineData("StateRecord.Renamed:0")]
    [InlineData("State.TemporaryWritten:0")]
    [InlineData("State.Renamed:0")]
    public async Task An_aggregator_process_killed_at_a_step_of_its_first_commit_starts_again_from_round_0_whole(string crashAt)
    {
        string workspace = federation.Workspace("process-crash");
        string stateDirectory = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 61);
        string initialPath = TestFederation.WriteInitialModel(workspace, initial);

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, new Dictionary<string, string> { [CrashAtFromEnvironment.Variable] = crashAt },
            AggregatorProcess.Settings(federation.Pki, stateDirectory, initialPath));

        output.WriteLine(run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"{CrashAtFromEnvironment.Variable}={crashAt}: crashing here", run.Error, StringComparison.Ordinal);
        var log = new CapturedLog(output);
        await using RunningAggregator again = RunningAggregator.Create(new AggregatorSetup(federation.Pki, stateDirectory, initialPath), log);
        Assert.Equal((0L, 0L), (again.Coordinator.CommittedRound, again.Coordinator.ModelVersion));
        Assert.Equal(initial.ComputeSha256Hex(), again.Coordinator.GlobalModel.ComputeSha256Hex());
        Assert.Empty(Directory.EnumerateFiles(stateDirectory, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("State.Renamed")]
    [InlineData("Disk.Renamed:1")]
    [InlineData("State.Halfway:1")]
    [InlineData("State.Renamed:-1")]
    public async Task A_malformed_crash_setting_stops_the_start_with_one_line_naming_it(string crashAt)
    {
        string workspace = federation.Workspace("process-crash-setting");
        ProcessRun run = await AggregatorProcess.RunAsync(workspace, new Dictionary<string, string> { [CrashAtFromEnvironment.Variable] = crashAt },
            AggregatorProcess.Settings(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 62))));

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{CrashAtFromEnvironment.Variable} '{crashAt}' is not <file>.<step>:<round>", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }
}
