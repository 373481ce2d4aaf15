using FedFace.Aggregator.Rounds;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Sites;

/// <summary>A site's report of its local training: logged, and kept by the round it is for (the round's mean loss).</summary>
public sealed class SiteMetricsRecorder(CurrentRound rounds, ILogger<SiteMetricsRecorder> logger)
{
    public void Record(string siteId, RoundMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (ReportedMetricsCheck.Problem(metrics) is { } problem)
        {
            logger.LogWarning("Refused metrics from {Site} for round {Round}: {Problem}", siteId, metrics.Round, problem);
            return;
        }
        if (rounds.Round is { } round && metrics.Round == round.Number && round.IsSampled(siteId))
        {
            lock (round.Gate)
            {
                round.Metrics[siteId] = metrics;
            }
        }
        logger.LogInformation("Site {Site} round {Round}: loss {Loss:F4} over {Examples} examples, {Steps} steps, {Seconds:F1}s",
            siteId, metrics.Round, metrics.MeanLoss, metrics.ExampleCount, metrics.Steps, metrics.TrainSeconds);
    }
}
