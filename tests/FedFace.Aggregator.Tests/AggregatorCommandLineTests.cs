using FedFace.Aggregator.Tests.Kit;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary><c>--version</c> and <c>--help</c> on the built aggregator: they answer and exit 0 without starting anything.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorCommandLineTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task Version_prints_one_line_with_the_build_version_and_exits_0_without_starting()
    {
        (ProcessRun run, string workspace) = await RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^fedface-aggregator \d+\.\d+\.\d+(\+[0-9a-f]+)?$", Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim());
        Assert.Empty(run.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workspace));
    }

    [Fact]
    public async Task Help_says_how_settings_are_given_and_exits_0_without_starting()
    {
        (ProcessRun run, string workspace) = await RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Usage: fedface-aggregator", run.Output, StringComparison.Ordinal);
        Assert.Contains("docs/configuration.md", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workspace));
    }

    private async Task<(ProcessRun Run, string Workspace)> RunAsync(string argument)
    {
        string workspace = federation.Workspace($"command-line{argument}");
        ProcessRun run = await AggregatorProcess.RunAsync(workspace, argument);
        output.WriteLine(run.ToString());
        return (run, workspace);
    }
}
