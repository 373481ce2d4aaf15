using System.Diagnostics;
using FedFace.Certs;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// Runs the virtual sites in <c>count</c> separate processes of this simulator (<c>fedface-simulator worker</c>), each
/// hosting the sites whose index mod count is its slice, against the aggregator at a URL over mutual TLS; their output
/// comes here, a prefix naming the worker. A worker that fails fails the run.
/// </summary>
public sealed class WorkerProcesses(int count, IReadOnlyList<string>? settingsArguments, TextWriter output)
{
    public async Task RunAsync(string aggregatorUrl, PkiLayout pki, CancellationToken cancellationToken)
    {
        string executable = Path.Combine(AppContext.BaseDirectory, "fedface-simulator");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"worker processes need the simulator's executable at {executable}");
        }
        Process[] workers = [.. Enumerable.Range(0, count).Select(slice => Start(executable, aggregatorUrl, pki, slice))];
        try
        {
            await Task.WhenAll(workers.Select(worker => worker.WaitForExitAsync(cancellationToken)));
        }
        finally
        {
            foreach (Process worker in workers.Where(w => !w.HasExited))
            {
                worker.Kill(entireProcessTree: true);
            }
        }
        string[] failed = [.. workers.Select((worker, slice) => (worker.ExitCode, slice)).Where(w => w.ExitCode != 0).Select(w => $"worker {w.slice} exited with {w.ExitCode}")];
        foreach (Process worker in workers)
        {
            worker.Dispose();
        }
        if (failed.Length > 0)
        {
            throw new InvalidOperationException(string.Join("; ", failed) + " (its lines above say why)");
        }
    }

    private Process Start(string executable, string aggregatorUrl, PkiLayout pki, int slice)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["worker", "--aggregator", aggregatorUrl, "--pki", pki.Directory, "--slice", $"{slice}/{count}", .. settingsArguments ?? []])
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Forward(slice, line.Data);
        process.ErrorDataReceived += (_, line) => Forward(slice, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Forward(int slice, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.WriteLine($"[worker {slice}] {line}");
            }
        }
    }
}
