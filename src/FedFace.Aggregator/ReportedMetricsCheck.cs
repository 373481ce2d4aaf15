using System.Globalization;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator;

/// <summary>
/// What a site's ReportMetrics may claim. A NaN loss or an absurd example count would poison the round's mean loss and
/// mislead whoever reads the log, so such a report is refused whole rather than recorded.
/// </summary>
public static class ReportedMetricsCheck
{
    /// <summary>More faces than any site holds; a count above it is a bug or a lie.</summary>
    public const long MaxExampleCount = UpdateValidator.MaxExampleCountLimit;

    /// <summary>A week: local training that reports longer is not a round of this federation.</summary>
    public const double MaxTrainSeconds = 7 * 24 * 3600;

    /// <summary>Why the report is refused, in one line; null when it is plausible.</summary>
    public static string? Problem(RoundMetrics metrics)
    {
        if (!double.IsFinite(metrics.MeanLoss) || metrics.MeanLoss < 0)
        {
            return $"mean loss {Show(metrics.MeanLoss)} is not a finite non-negative number";
        }
        if (metrics.ExampleCount is <= 0 or > MaxExampleCount)
        {
            return $"example count {metrics.ExampleCount} is outside 1..{MaxExampleCount}";
        }
        if (!double.IsFinite(metrics.TrainSeconds) || metrics.TrainSeconds is < 0 or > MaxTrainSeconds)
        {
            return $"training time {Show(metrics.TrainSeconds)} s is outside 0..{MaxTrainSeconds:F0} s";
        }
        if (metrics.HasAccuracy && metrics.Accuracy is not (>= 0 and <= 1))
        {
            return $"accuracy {Show(metrics.Accuracy)} is outside 0..1";
        }
        return null;
    }

    private static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
