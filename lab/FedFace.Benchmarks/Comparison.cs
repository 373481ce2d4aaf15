using System.Diagnostics;
using System.Runtime;

namespace FedFace.Benchmarks;

/// <summary>
/// A subject timed right after its peer, over and over, on the same bytes. The machine is shared (2 cores,
/// other builds and tests), so an absolute figure drifts with the load; the ratio of two figures taken
/// side by side drifts far less. Every figure reported is a median over the pairs.
/// </summary>
public sealed class Comparison(string name, long bytesPerRun, double unitBytes, string unit)
{
    private readonly List<(double Peer, double Subject)> _seconds = [];

    public long BytesPerRun => bytesPerRun;

    public int Count => _seconds.Count;

    public double PeerThroughput => Median(_seconds.Select(s => bytesPerRun / s.Peer / unitBytes));

    public double SubjectThroughput => Median(_seconds.Select(s => bytesPerRun / s.Subject / unitBytes));

    /// <summary>Subject throughput over peer throughput, per pair, then the median.</summary>
    public double Ratio => Median(Ratios);

    public IEnumerable<double> Ratios => _seconds.Select(s => s.Peer / s.Subject);

    public void Add(double peerSeconds, double subjectSeconds, int pair, int pairs)
    {
        _seconds.Add((peerSeconds, subjectSeconds));
        Console.WriteLine($"  {name,-9} {pair,2}/{pairs}: peer {bytesPerRun / peerSeconds / unitBytes,8:F2} {unit}, "
            + $"subject {bytesPerRun / subjectSeconds / unitBytes,8:F2} {unit}, ratio {peerSeconds / subjectSeconds:F3}");
    }

    public string Summary() =>
        $"{name}: median subject {SubjectThroughput:F2} {unit}, peer {PeerThroughput:F2} {unit}, ratio {Ratio:F3} over {Count} pairs";

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0)
        {
            throw new InvalidOperationException("no samples");
        }
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

public static class Clock
{
    public static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public static async Task<double> TimeAsync(Func<Task> action)
    {
        long start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

/// <summary>What the JIT and the GC did while the kept pairs were measured: evidence that they were steady.</summary>
public sealed record Steadiness(int WarmUpPasses, long JitMethodsCompiledWhileMeasuring, double JitMillisecondsWhileMeasuring, int Gen2CollectionsWhileMeasuring)
{
    /// <summary>
    /// Repeats <paramref name="pass"/> until the JIT has (nearly) stopped compiling. Tiered compilation keeps
    /// recompiling hot methods for many passes (thousands of methods in the gRPC stack), and on 2 cores that
    /// work would be measured as the subject's time; a federation runs for hours, so its steady state is the
    /// figure that matters. A minimum of passes guards against the tiering delay looking like calm.
    /// </summary>
    public static async Task<int> WarmUpAsync(Func<Task> pass, int minPasses, int maxPasses, int settledMethodsPerPass)
    {
        int passes = 0;
        for (long compiled = long.MaxValue; passes < maxPasses && (passes < minPasses || compiled > settledMethodsPerPass); passes++)
        {
            long before = JitInfo.GetCompiledMethodCount();
            await pass();
            compiled = JitInfo.GetCompiledMethodCount() - before;
        }
        return passes;
    }

    /// <summary>Runs <paramref name="measure"/> and records the JIT and GC work that happened meanwhile.</summary>
    public static async Task<Steadiness> MeasureAsync(int warmUpPasses, Func<Task> measure)
    {
        long methods = JitInfo.GetCompiledMethodCount();
        TimeSpan jit = JitInfo.GetCompilationTime();
        int gen2 = GC.CollectionCount(2);
        await measure();
        var steadiness = new Steadiness(warmUpPasses, JitInfo.GetCompiledMethodCount() - methods,
            Math.Round((JitInfo.GetCompilationTime() - jit).TotalMilliseconds, 1), GC.CollectionCount(2) - gen2);
        Console.WriteLine($"  ({warmUpPasses} warm-up passes; while measuring: {steadiness.JitMethodsCompiledWhileMeasuring} methods JIT-compiled "
            + $"in {steadiness.JitMillisecondsWhileMeasuring} ms, {steadiness.Gen2CollectionsWhileMeasuring} gen-2 GCs)");
        return steadiness;
    }
}
