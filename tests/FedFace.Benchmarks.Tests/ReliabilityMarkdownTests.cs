using FedFace.Benchmarks;
using FedFace.Benchmarks.Load;
using FedFace.Benchmarks.Reliability;

namespace FedFace.Benchmarks.Tests;

/// <summary>docs/reliability.md's header says what `--long` runs: the sizes the run starts its scripts with, never a figure of its own.</summary>
public sealed class ReliabilityMarkdownTests
{
    private static readonly ReliabilityReport s_report = new("2026-12-06T05:00:00Z", "0123456789abcdef", Dirty: false,
        new MachineInfo("test CPU", 2, null, 24, "Linux", ".NET 10", "server", "1.0"), "fast", "cases: tests run.", AllPassed: true, []);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_header_names_the_sizes_the_long_run_starts_its_scripts_with(bool loadQuick)
    {
        LongRuns runs = new LongRuns(CrashLives: 7, FuzzCases: 1234, loadQuick) with { KillLoopRounds = 20 };

        string markdown = ReliabilityMarkdown.Of(s_report, runs);

        Assert.Equal(["scripts/crash-loop.sh", "7"], runs.CrashLoopCommand);
        Assert.Equal(["scripts/process-kill-loop.sh", "20"], runs.KillLoopCommand);
        Assert.Equal(["scripts/fuzz.sh", "1234"], runs.FuzzCommand);
        Assert.Contains("`--long` adds the 7-life crash loop, the 20-round process kill loop, the long fuzz campaign (1,234 inputs)", markdown);
        Assert.Contains($"the {(loadQuick ? LoadCommand.QuickSites : LoadCommand.FullSites):N0}-site load run", markdown);
        Assert.Equal(loadQuick, runs.LoadRunCommand("out.json").Contains("--quick"));
    }

    [Fact]
    public void By_default_the_header_names_the_kill_loop_the_long_run_starts()
    {
        var runs = new LongRuns(LongRuns.DefaultCrashLives, LongRuns.DefaultFuzzCases, LoadQuick: false);

        string markdown = ReliabilityMarkdown.Of(s_report, runs);

        Assert.Contains($"the {runs.KillLoopCommand[1]}-round process kill loop", markdown);
        Assert.Contains($"the {runs.CrashLoopCommand[1]}-life crash loop", markdown);
    }
}
