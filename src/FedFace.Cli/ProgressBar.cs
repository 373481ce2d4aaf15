using System.Diagnostics;

namespace FedFace.Cli;

/// <summary>
/// A progress bar on stderr, redrawn in place (carriage return) at most every 100 ms with rate and ETA.
/// When stderr is not a terminal it writes a plain line every 10% instead, so logs stay readable.
/// Thread-safe: workers report from their own threads.
/// </summary>
public sealed class ProgressBar : IProgress<int>
{
    private const int BarWidth = 30;
    private readonly TextWriter _error;
    private readonly int _total;
    private readonly string _unit;
    private readonly bool _inPlace;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    // Null until the first draw: a sentinel such as TimeSpan.MinValue would overflow when subtracted.
    private TimeSpan? _lastDrawn;
    private int _lastTenth = -1;
    private int _done;

    public ProgressBar(TextWriter error, int total, string unit, bool inPlace)
    {
        _error = error;
        _total = total;
        _unit = unit;
        _inPlace = inPlace;
    }

    public void Report(int value)
    {
        lock (_lock)
        {
            // Workers may report slightly out of order; never move backwards.
            _done = Math.Max(_done, value);
            TimeSpan now = _clock.Elapsed;
            if (_inPlace)
            {
                if (_done == _total || _lastDrawn is not { } last || now - last >= TimeSpan.FromMilliseconds(100))
                {
                    _error.Write("\r" + Line(now));
                    _lastDrawn = now;
                }
            }
            else if (_total > 0 && _done * 10 / _total is var tenth && tenth > _lastTenth)
            {
                _error.WriteLine(Line(now).TrimEnd());
                _lastTenth = tenth;
            }
        }
    }

    /// <summary>Ends the in-place line so what follows starts on a fresh one.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_inPlace && _lastDrawn is not null)
            {
                _error.WriteLine();
            }
        }
    }

    private string Line(TimeSpan elapsed)
    {
        double fraction = _total == 0 ? 1 : (double)_done / _total;
        int filled = (int)Math.Round(fraction * BarWidth);
        double rate = elapsed.TotalSeconds > 0 ? _done / elapsed.TotalSeconds : 0;
        string eta = rate > 0 && _done < _total ? $" ETA {TimeSpan.FromSeconds((_total - _done) / rate):m\\:ss}" : "";
        return $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {_done}/{_total} {_unit} {fraction * 100,3:F0}% {rate,6:F1} {_unit}/s{eta}   ";
    }
}
