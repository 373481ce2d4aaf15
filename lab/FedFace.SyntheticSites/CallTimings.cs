using System.Collections.Concurrent;

namespace FedFace.SyntheticSites;

/// <summary>The protocol calls whose latency a site records.</summary>
public enum SiteCall
{
    /// <summary>Join, the first call on a fresh connection: it includes the TCP connect and the mutual-TLS handshake.</summary>
    Join,
    /// <summary>GetTask, whether it answers with a task, "wait" or "finished".</summary>
    GetTask,
    /// <summary>DownloadModel to the last byte, signature and hash checked.</summary>
    Download,
    /// <summary>UploadUpdate from the first chunk written to the aggregator's verdict.</summary>
    Upload,
}

/// <summary>Latencies of calls by kind (milliseconds), and how many failed, from many sites at once.</summary>
public sealed class CallTimings
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> _milliseconds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    public void Record(string call, TimeSpan elapsed) => _milliseconds.GetOrAdd(call, _ => new ConcurrentQueue<double>()).Enqueue(elapsed.TotalMilliseconds);

    public void Record(SiteCall call, TimeSpan elapsed) => Record(call.ToString(), elapsed);

    /// <summary>Forgets everything recorded so far (the end of a warm-up).</summary>
    public void Reset()
    {
        _milliseconds.Clear();
        _failures.Clear();
    }

    public void Failed(SiteCall call) => _failures.AddOrUpdate(call.ToString(), 1, (_, n) => n + 1);

    /// <summary>Count, p50, p99 and maximum per call kind, and failures.</summary>
    public IReadOnlyDictionary<string, LatencySummary> Summaries() =>
        _milliseconds.Keys.Concat(_failures.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .ToDictionary(call => call, call => LatencySummary.Of(_milliseconds.TryGetValue(call, out var values) ? [.. values] : [], _failures.GetValueOrDefault(call)),
                StringComparer.Ordinal);
}

/// <summary>Percentiles by the nearest-rank method, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50Ms, double P99Ms, double MaxMs, int Failures)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds, int failures)
    {
        if (milliseconds.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, failures);
        }
        double[] sorted = [.. milliseconds.Order()];
        return new LatencySummary(sorted.Length, Round(Rank(sorted, 0.50)), Round(Rank(sorted, 0.99)), Round(sorted[^1]), failures);
    }

    private static double Rank(double[] sorted, double quantile) => sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private static double Round(double value) => Math.Round(value, 2);
}
