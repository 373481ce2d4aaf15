using FedFace.Simulator.Reports;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>Live progress: sites answered of sampled, rounds done of all, an ETA from the mean round; plain lines only at milestones.</summary>
public sealed class RunProgressTests
{
    [Fact]
    public void The_status_counts_the_rounds_sites_and_gives_an_eta_from_the_mean_round_time()
    {
        double now = 0;
        var view = new RecordingView();
        var progress = new RunProgress(totalRounds: 4, view, () => now);

        progress.BeginVariant("FedAvg", 0, 2, rounds: 2);
        progress.RoundOpened(1, sampled: 4);
        Assert.Equal("[FedAvg (1/2)] round 1 (0/2 committed): 0/4 sites answered · run 0/4 rounds committed, ETA after the first round", progress.Status());
        progress.SitesAnswered(3);
        progress.UpdateRefused();
        now = 30;
        progress.RoundFinished(committed: true);
        now = 40; // evaluation, then the next round opens: the first took 40 s
        progress.RoundOpened(2, sampled: 4);

        Assert.Equal("[FedAvg (1/2)] round 2 (1/2 committed): 0/4 sites answered · run 1/4 rounds committed, 40 s a round, ETA 2m00s", progress.Status());
        Assert.Equal(40, progress.MeanRoundSeconds);
        Assert.Equal([true, true, false, true, true], view.Milestones); // opened, 3/4 answered, a refusal (no line), finished, opened

        now = 60; // an aborted round takes time and commits nothing: the next one still has the three left to do
        progress.RoundFinished(committed: false);
        progress.RoundOpened(3, sampled: 4);
        Assert.Equal("[FedAvg (1/2)] round 3 (1/2 committed): 0/4 sites answered · run 1/4 rounds committed, 30 s a round, ETA 1m30s", progress.Status());
    }

    [Fact]
    public void Plain_lines_are_written_only_at_milestones_a_terminal_redraws_one_status_line_under_the_output()
    {
        var log = new StringWriter();
        var plain = new PlainProgressLines(log);
        plain.Show("round 1", milestone: true);
        plain.Show("1/100 sites", milestone: false);
        Assert.Equal("  round 1" + Environment.NewLine, log.ToString());

        var screen = new StringWriter();
        using var terminal = new TerminalStatusLine(screen, () => 80);
        terminal.Show("status A", milestone: false);
        terminal.WriteLine("a table line");
        terminal.Show("status B", milestone: false);
        terminal.Clear();

        Assert.Equal("status A\r\u001b[Ka table line" + Environment.NewLine + "status A\r\u001b[Kstatus B\r\u001b[K", screen.ToString());

        var narrow = new StringWriter();
        using var unknownWidth = new TerminalStatusLine(narrow, () => 0);
        unknownWidth.Show(new string('x', 100), milestone: false);
        Assert.Equal(new string('x', 78) + "…", narrow.ToString());
    }

    [Fact]
    public void The_eta_reads_in_hours_minutes_or_seconds()
    {
        Assert.Equal(("45s", "2m05s", "3h20m"), (RunProgress.Duration(45), RunProgress.Duration(125), RunProgress.Duration(12_000)));
    }

    private sealed class RecordingView : IProgressView
    {
        public List<bool> Milestones { get; } = [];

        public void Show(string status, bool milestone) => Milestones.Add(milestone);
    }
}
