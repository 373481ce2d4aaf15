using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Collection;

/// <summary>
/// Plain rounds: each site uploads its update and <see cref="PlainUploads"/> folds it as it arrives; the round waits for
/// every sampled site's answer or its deadline, whichever comes first.
/// </summary>
public sealed class PlainUploadCollector(TimeProvider time) : IUpdateCollector
{
    public int MinimumSurvivors(int sampledSites, int minSites) => minSites;

    public void Prepare(OpenRound round, ModelState global)
    {
        ArgumentNullException.ThrowIfNull(round);
        round.Task.Aggregation = AggregationMode.Plain;
    }

    public async Task<CollectionResult> CollectAsync(OpenRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        TimeSpan untilDeadline = round.Deadline - time.GetUtcNow();
        if (untilDeadline > TimeSpan.Zero)
        {
            await Task.WhenAny(round.EveryoneAnswered, Task.Delay(untilDeadline, time, cancellationToken));
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new CollectionResult(AbortReason: null, SecureAggregation: null);
    }
}
