using System.Diagnostics;

namespace FedFace.Cli.Tests;

/// <summary>
/// The built <c>fedface</c> run under a pseudo-terminal (Debian's <c>script</c>), where stderr is a terminal and the
/// progress bar is redrawn in place: the in-process harness never has a terminal attached.
/// </summary>
public sealed class TerminalRunTests : IDisposable
{
    private readonly PhotoFolder _photos = new();

    [Fact]
    public void AlignDrawsItsProgressBarInATerminalAndSucceeds()
    {
        _photos.AddLfw("site", "Colin_Powell", 1, 2);

        (int exit, string transcript) = RunInTerminal("align", _photos.PathOf("site"), "--model", Fedface.Detector);

        Assert.True(exit == 0, $"exit {exit}\n{transcript}");
        Assert.Contains("\r[", transcript, StringComparison.Ordinal); // a bar redrawn in place
        Assert.Contains("2/2 images", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", transcript, StringComparison.Ordinal);
    }

    /// <summary>Runs the built fedface under <c>script -qec</c>, which gives it a terminal and passes its exit code on.</summary>
    private static (int ExitCode, string Transcript) RunInTerminal(params string[] args)
    {
        string fedface = Path.Combine(AppContext.BaseDirectory, "fedface.dll");
        string command = string.Join(' ', new[] { "dotnet", fedface }.Concat(args).Select(Quote));
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string arg in new[] { "-qec", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start script(1)");
        process.StandardInput.Close();
        Task<string> error = process.StandardError.ReadToEndAsync();
        string transcript = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "fedface did not finish within 3 minutes");
        return (process.ExitCode, transcript + error.Result);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public void Dispose() => _photos.Dispose();
}
