using FedFace.Aggregator.Rounds;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>Drives rounds one after another until the configured number is committed or the privacy budget is spent.</summary>
public sealed class RoundLoop(RoundRunner rounds, CurrentModel model, FederationStatus status, IEnumerable<IRoundObserver> observers,
    IOptions<AggregatorOptions> options, ILogger<RoundLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && !status.Done)
        {
            RoundSummary? summary;
            try
            {
                summary = await rounds.RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The host's own report of a failed background service is silenced (AggregatorHost); this is the logged one.
                AggregatorLog.RoundLoopFailed(logger, AggregatorProgram.OneLine(e));
                throw;
            }
            if (summary is null)
            {
                break; // no round opened: the federation is done
            }
            foreach (IRoundObserver observer in observers)
            {
                await observer.OnRoundFinishedAsync(summary, model.Model, stoppingToken);
            }
            TimeSpan pause = TimeSpan.FromSeconds(options.Value.MinimumAbortedRoundSeconds - summary.Seconds);
            if (!summary.Committed && pause > TimeSpan.Zero && !status.Done)
            {
                logger.LogInformation("Round {Round} aborted after {Seconds:F1}s: pausing {Pause:F1}s before the next", summary.Round, summary.Seconds, pause.TotalSeconds);
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        status.MarkFinished();
        if (status.Finished)
        {
            AggregatorLog.FederationFinished(logger, model.ModelVersion, model.CommittedRound, status.FinishReason);
        }
    }
}
