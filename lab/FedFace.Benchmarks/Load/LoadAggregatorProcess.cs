using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace FedFace.Benchmarks.Load;

/// <summary>
/// The benchmark's side of <see cref="LoadAggregatorServer"/>: starts it (this same fedface-bench), learns its address, collects
/// its rounds as they finish, samples its resident size every 250 ms, and at <see cref="StopAsync"/> closes its input and
/// reads what it measured on itself.
/// </summary>
public sealed class LoadAggregatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<RoundLine> _rounds = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ServerLine> _server = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly CancellationTokenSource _stopSampling = new();
    private readonly Task _sampling;
    private long _peakResidentKb;

    private LoadAggregatorProcess(LoadAggregatorSettings settings)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Started as `dotnet fedface-bench.dll` the host needs the assembly; started by its apphost it must not get it.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fedface-bench.dll"));
        }
        foreach (string argument in settings.ToArguments())
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the load aggregator");
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _errors.Enqueue(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _sampling = SampleResidentSizeAsync(_stopSampling.Token);
    }

    public int ProcessId => _process.Id;

    public Uri Uri => _listening.Task.Result;

    public long StartResidentKb { get; private set; }

    public long PeakResidentKbSampled => Interlocked.Read(ref _peakResidentKb);

    public IReadOnlyList<RoundLine> Rounds => [.. _rounds];

    /// <summary>What the process wrote to standard error (its logs at Error and above), for the report.</summary>
    public IReadOnlyList<string> ErrorLines => [.. _errors];

    public static async Task<LoadAggregatorProcess> StartAsync(LoadAggregatorSettings settings)
    {
        var aggregator = new LoadAggregatorProcess(settings);
        Task exited = aggregator._process.WaitForExitAsync();
        Task done = await Task.WhenAny(aggregator._listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (done != aggregator._listening.Task)
        {
            string errors = string.Join(Environment.NewLine, aggregator._errors);
            await aggregator.DisposeAsync();
            throw new InvalidOperationException($"the load aggregator did not start listening: {errors}");
        }
        aggregator.StartResidentKb = ProcessMemory.ResidentKb(aggregator.ProcessId);
        return aggregator;
    }

    /// <summary>Forgets the server-side call times recorded so far.</summary>
    public async Task ResetCallTimesAsync()
    {
        await _process.StandardInput.WriteLineAsync("reset");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits until <paramref name="count"/> rounds have finished (committed or not), or <paramref name="patience"/> passed.</summary>
    public async Task<bool> WaitForRoundsAsync(int count, TimeSpan patience, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        while (_rounds.Count < count && Environment.TickCount64 < deadline && !_process.HasExited)
        {
            await Task.Delay(100, cancellationToken);
        }
        return _rounds.Count >= count;
    }

    public async Task<ServerLine> StopAsync()
    {
        long highWaterKb = ProcessMemory.HighWaterMarkKb(ProcessId);
        _process.StandardInput.Close();
        ServerLine server = await _server.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync();
        return server with { VmHwmKb = Math.Max(server.VmHwmKb, highWaterKb) };
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            _listening.TrySetResult(new Uri(line["LISTENING ".Length..]));
        }
        else if (line.StartsWith("ROUND ", StringComparison.Ordinal))
        {
            _rounds.Enqueue(JsonSerializer.Deserialize<RoundLine>(line["ROUND ".Length..])!);
        }
        else if (line.StartsWith("SERVER ", StringComparison.Ordinal))
        {
            _server.TrySetResult(JsonSerializer.Deserialize<ServerLine>(line["SERVER ".Length..])!);
        }
    }

    private async Task SampleResidentSizeAsync(CancellationToken stop)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await tick.WaitForNextTickAsync(stop) && !_process.HasExited)
            {
                long resident = ProcessMemory.ResidentKb(_process.Id);
                if (resident > Interlocked.Read(ref _peakResidentKb))
                {
                    Interlocked.Exchange(ref _peakResidentKb, resident);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopSampling.CancelAsync();
        await _sampling;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _stopSampling.Dispose();
    }
}
