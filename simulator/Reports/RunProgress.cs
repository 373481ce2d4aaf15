using System.Globalization;

namespace FedFace.Simulator.Reports;

/// <summary>Where progress goes: a terminal redraws one status line; a log (CI) gets plain lines at milestones.</summary>
public interface IProgressView
{
    /// <param name="milestone">A round opened or finished, or another tenth of its sites answered: worth a line in a log.</param>
    void Show(string status, bool milestone);
}

/// <summary>
/// A scenario's progress: for the round, sites answered of those sampled; for the run, rounds committed of all the
/// variants' rounds, and an ETA from the mean round time so far (a round from its opening to the next one's, evaluation
/// included). An aborted round commits nothing, so the aggregator runs another: it counts in the time, not in the rounds
/// done. Thread-safe: the aggregator reports from its own threads.
/// </summary>
/// <param name="totalRounds">Every variant's rounds together.</param>
/// <param name="seconds">The clock, in seconds from any fixed start.</param>
public sealed class RunProgress(int totalRounds, IProgressView view, Func<double> seconds)
{
    private readonly Lock _gate = new();
    private readonly List<double> _roundSeconds = [];
    private string _variant = "";
    private int _roundsPerVariant;
    private int _variantCommitted;
    private int _roundsDone;
    private long _round;
    private int _sampled, _answered, _refused;
    private double? _roundOpenedAt;

    public int RoundsDone
    {
        get
        {
            lock (_gate)
            {
                return _roundsDone;
            }
        }
    }

    /// <summary>The mean seconds of a finished round so far; null before the first.</summary>
    public double? MeanRoundSeconds
    {
        get
        {
            lock (_gate)
            {
                return _roundSeconds.Count > 0 ? _roundSeconds.Average() : null;
            }
        }
    }

    public void BeginVariant(string label, int index, int count, int rounds)
    {
        lock (_gate)
        {
            _variant = count > 1 ? $"{label} ({index + 1}/{count})" : label;
            _roundsPerVariant = rounds;
            _variantCommitted = 0;
            _roundOpenedAt = null;
        }
    }

    public void RoundOpened(long round, int sampled)
    {
        lock (_gate)
        {
            CloseRound();
            (_round, _sampled, _answered, _refused) = (round, sampled, 0, 0);
            _roundOpenedAt = seconds();
            Show(milestone: true);
        }
    }

    public void SitesAnswered(int count)
    {
        lock (_gate)
        {
            int before = Tenths(_answered);
            _answered += count;
            Show(milestone: Tenths(_answered) > before);
        }
    }

    public void UpdateRefused()
    {
        lock (_gate)
        {
            _refused++;
            Show(milestone: false);
        }
    }

    public void RoundFinished(bool committed)
    {
        lock (_gate)
        {
            if (committed)
            {
                _roundsDone++;
                _variantCommitted++;
            }
            Show(milestone: true);
        }
    }

    /// <summary>The variant's last round is over (its evaluation too): its time counts toward the mean.</summary>
    public void EndVariant()
    {
        lock (_gate)
        {
            CloseRound();
        }
    }

    /// <summary>"[FedProx (2/3)] round 2 (1/5 committed): 3/4 sites answered · run 6/15 rounds committed, 42 s a round, ETA 6m18s".</summary>
    public string Status()
    {
        lock (_gate)
        {
            string refused = _refused > 0 ? $", {_refused} refused" : "";
            string eta = _roundSeconds.Count > 0
                ? $", {_roundSeconds.Average():F0} s a round, ETA {Duration(_roundSeconds.Average() * Math.Max(0, totalRounds - _roundsDone))}"
                : ", ETA after the first round";
            return $"[{_variant}] round {_round} ({_variantCommitted}/{_roundsPerVariant} committed): {_answered}/{_sampled} sites answered{refused} "
                + $"· run {_roundsDone}/{totalRounds} rounds committed{eta}";
        }
    }

    private void CloseRound()
    {
        if (_roundOpenedAt is double opened)
        {
            _roundSeconds.Add(seconds() - opened);
            _roundOpenedAt = null;
        }
    }

    private int Tenths(int answered) => _sampled == 0 ? 10 : answered * 10 / _sampled;

    private void Show(bool milestone) => view.Show(Status(), milestone);

    internal static string Duration(double totalSeconds)
    {
        var time = TimeSpan.FromSeconds(Math.Round(totalSeconds));
        return time.TotalHours >= 1 ? $"{(int)time.TotalHours}h{time.Minutes:D2}m"
            : time.TotalMinutes >= 1 ? $"{time.Minutes}m{time.Seconds:D2}s"
            : $"{time.Seconds.ToString(CultureInfo.InvariantCulture)}s";
    }
}
