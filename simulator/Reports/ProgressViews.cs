namespace FedFace.Simulator.Reports;

/// <summary>For logs and CI: the milestones only, one plain line each.</summary>
public sealed class PlainProgressLines(TextWriter output) : IProgressView
{
    public void Show(string status, bool milestone)
    {
        if (milestone)
        {
            output.WriteLine("  " + status);
        }
    }
}

/// <summary>
/// For a terminal: the output's lines with one status line redrawn below them. Everything the run prints goes through
/// this writer, which lifts the status line before a line and puts it back after, so the two never mix.
/// </summary>
public sealed class TerminalStatusLine(TextWriter terminal, Func<int> width) : TextWriter, IProgressView
{
    private const string ClearLine = "\r\u001b[K";
    private readonly Lock _gate = new();
    private string _status = "";
    private bool _statusShown;
    private bool _atLineStart = true;

    public override System.Text.Encoding Encoding => terminal.Encoding;

    public void Show(string status, bool milestone)
    {
        lock (_gate)
        {
            _status = status;
            if (_atLineStart)
            {
                Lift();
                Draw();
            }
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        lock (_gate)
        {
            Lift();
            terminal.Write(value);
            _atLineStart = value.EndsWith('\n');
            if (_atLineStart)
            {
                Draw();
            }
            terminal.Flush();
        }
    }

    /// <summary>Takes the status line away for good (the run is over).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _status = "";
            Lift();
        }
    }

    private void Lift()
    {
        if (_statusShown)
        {
            terminal.Write(ClearLine);
            _statusShown = false;
        }
    }

    private void Draw()
    {
        if (_status.Length == 0)
        {
            return;
        }
        // A status wider than the terminal would wrap and never be lifted whole; a terminal of unknown width reads 0.
        int columns = width() is > 20 and var known ? known - 1 : 79;
        terminal.Write(_status.Length > columns ? _status[..(columns - 1)] + "…" : _status);
        terminal.Flush();
        _statusShown = true;
    }
}
