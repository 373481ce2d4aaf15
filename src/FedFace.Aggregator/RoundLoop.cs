namespace FedFace.Aggregator;

/// <summary>Drives rounds one after another until the configured number is committed or the privacy budget is spent.</summary>
public sealed class RoundLoop(RoundCoordinator coordinator, IEnumerable<IRoundObserver> observers, ILogger<RoundLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && !coordinator.Done)
        {
            RoundSummary? summary;
            try
            {
                summary = await coordinator.RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            if (summary is null)
            {
                break; // no round opened: the federation is done
            }
            foreach (IRoundObserver observer in observers)
            {
                await observer.OnRoundFinishedAsync(summary, coordinator.GlobalModel, stoppingToken);
            }
        }
        coordinator.MarkFinished();
        if (coordinator.Finished)
        {
            logger.LogInformation("Federation finished: model v{Version} after round {Round}: {Reason}",
                coordinator.ModelVersion, coordinator.CommittedRound, coordinator.FinishReason);
        }
    }
}
