using FedFace.Core.SecureAggregation;
using FedFace.Transport.SecureAggregation;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Runs <paramref name="action"/> (with the round) when a site is about to answer <paramref name="stage"/>: a site that vanishes there, or misbehaves.</summary>
public sealed class StageHook(SecAggStage stage, Func<long, Task> action) : ISecAggStageObserver
{
    /// <summary>The site vanishes without a word before answering <paramref name="stage"/>: its work is cancelled.</summary>
    public static StageHook Vanish(SecAggStage stage, CancellationTokenSource site) => new(stage, _ => site.CancelAsync());

    public async ValueTask BeforeStageAsync(string siteId, long round, SecAggStage current, CancellationToken cancellationToken)
    {
        if (current == stage)
        {
            await action(round);
        }
    }
}
