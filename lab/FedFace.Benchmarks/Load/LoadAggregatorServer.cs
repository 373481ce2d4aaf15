using System.Globalization;
using System.Text.Json;
using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Core;
using FedFace.SyntheticSites;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FedFace.Benchmarks.Load;

/// <summary>One finished round as the aggregator's observer saw it.</summary>
public sealed record RoundLine(long Round, bool Committed, double Seconds, int Sampled, int Accepted, int Rejected, string Outcome, long FinishedUnixMs);

/// <summary>What the aggregator's process measured on itself, reported when it stops.</summary>
public sealed record ServerLine(IReadOnlyDictionary<string, LatencySummary> CallMs, int PeakOpenUploads, long PeakBufferedUploadBytes, long VmHwmKb);

/// <summary>
/// fedface-bench load-aggregator: the real aggregator (AggregatorHost) in a process of its own, so the load benchmark reads
/// its resident size apart from the thousand sites'. It talks to the benchmark on its standard streams: it prints
/// "LISTENING url", then "ROUND {json}" as each round finishes; a "reset" line on its input forgets the call times so far
/// (the end of the warm-up); when its input closes it stops and prints "SERVER {json}". Its own logs go to standard error.
/// </summary>
public static class LoadAggregatorServer
{
    public const string Command = "load-aggregator";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        LoadAggregatorSettings settings = LoadAggregatorSettings.Parse(args);
        var timings = new CallTimings();
        var rounds = new RoundPrinter();
        WebApplication app = BenchFederation.BuildAggregator(new PkiLayout(settings.PkiDirectory), settings.ModelPath, settings.StateDirectory, LogLevel.Error,
            settings.Apply, services =>
            {
                services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
                services.AddSingleton(timings);
                services.AddGrpc(grpc => grpc.Interceptors.Add<ServerCallTimer>());
                services.AddSingleton<IRoundObserver>(rounds);
            });
        await using (app)
        {
            await app.StartAsync();
            UploadStreams uploads = app.Services.GetRequiredService<UploadStreams>();
            Console.WriteLine($"LISTENING {AggregatorHost.ListeningUri(app)}");
            using var stop = new CancellationTokenSource();
            Task<(int, long)> peaks = WatchUploadsAsync(uploads, stop.Token);
            while (await Console.In.ReadLineAsync() is { } line)
            {
                if (line == "reset")
                {
                    timings.Reset();
                }
            }
            await stop.CancelAsync();
            (int peakOpen, long peakBytes) = await peaks;
            await app.StopAsync();
            Console.WriteLine("SERVER " + JsonSerializer.Serialize(new ServerLine(timings.Summaries(), peakOpen, peakBytes, ProcessMemory.HighWaterMarkKb(Environment.ProcessId))));
        }
        return 0;
    }

    /// <summary>The most upload streams open at once and the most bytes they held, sampled every 50 ms.</summary>
    private static async Task<(int, long)> WatchUploadsAsync(UploadStreams uploads, CancellationToken stop)
    {
        int peakOpen = 0;
        long peakBytes = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await tick.WaitForNextTickAsync(stop))
            {
                peakOpen = Math.Max(peakOpen, uploads.OpenCount);
                peakBytes = Math.Max(peakBytes, uploads.BufferedBytes);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        return (peakOpen, peakBytes);
    }

    private sealed class RoundPrinter : IRoundObserver
    {
        public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            var line = new RoundLine(summary.Round, summary.Committed, Math.Round(summary.Seconds, 2), summary.SampledSites.Count, summary.AcceptedSites.Count,
                summary.RejectedSites.Count, summary.Outcome, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Console.WriteLine("ROUND " + JsonSerializer.Serialize(line));
            return Task.CompletedTask;
        }
    }
}

/// <summary>The load-aggregator's settings, as flags the benchmark passes (and <see cref="ToArguments"/> writes).</summary>
public sealed record LoadAggregatorSettings(string PkiDirectory, string ModelPath, string StateDirectory, int MinSites, double SampleFraction,
    int RoundDeadlineSeconds, double UploadChunkTimeoutSeconds)
{
    public void Apply(AggregatorOptions options)
    {
        options.MinSites = MinSites;
        options.SampleFraction = SampleFraction;
        options.RoundDeadlineSeconds = RoundDeadlineSeconds;
        options.UploadChunkTimeoutSeconds = UploadChunkTimeoutSeconds;
        options.TotalRounds = 100_000; // the benchmark stops it
        options.MinimumAbortedRoundSeconds = 0;
    }

    public IEnumerable<string> ToArguments() =>
    [
        LoadAggregatorServer.Command, PkiDirectory, ModelPath, StateDirectory, Text(MinSites), Text(SampleFraction), Text(RoundDeadlineSeconds), Text(UploadChunkTimeoutSeconds),
    ];

    public static LoadAggregatorSettings Parse(IReadOnlyList<string> args)
    {
        if (args.Count != 7)
        {
            throw new ArgumentException($"{LoadAggregatorServer.Command} takes 7 values (started by fedface-bench load), got {args.Count}");
        }
        return new LoadAggregatorSettings(args[0], args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), double.Parse(args[4], CultureInfo.InvariantCulture),
            int.Parse(args[5], CultureInfo.InvariantCulture), double.Parse(args[6], CultureInfo.InvariantCulture));
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A process's resident size from /proc (Linux): now (VmRSS) and its peak (VmHWM), in KiB.</summary>
public static class ProcessMemory
{
    public static long ResidentKb(int processId) => Field(processId, "VmRSS:");

    public static long HighWaterMarkKb(int processId) => Field(processId, "VmHWM:");

    private static long Field(int processId, string name)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0; // the process ended
        }
    }
}
