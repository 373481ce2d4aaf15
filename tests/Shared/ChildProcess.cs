using System.Diagnostics;

namespace FedFace.Tests;

/// <summary>A program run as a separate process, as an operator would: its exit code and everything it printed.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="environment"/> added to this process's; past
    /// <paramref name="patience"/> it is killed and a <see cref="TimeoutException"/> says what it printed.
    /// <paramref name="onOutputLine"/> sees each line of its standard output as it is printed, with the process (to
    /// signal it at a given point, say).
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> args, TimeSpan patience,
        IReadOnlyDictionary<string, string>? environment = null, Action<string, Process>? onOutputLine = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> output = onOutputLine is null ? process.StandardOutput.ReadToEndAsync() : ReadLinesAsync(process, onOutputLine);
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(program)} still ran after {patience.TotalSeconds:F0}s; it printed:\n{await output}\n{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Sends SIGTERM, as systemd, Kubernetes or <c>timeout</c> stop a process.</summary>
    public static void Terminate(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (Kill(process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    private static async Task<string> ReadLinesAsync(Process process, Action<string, Process> onLine)
    {
        var printed = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            printed.AppendLine(line);
            onLine(line, process);
        }
        return printed.ToString();
    }

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
