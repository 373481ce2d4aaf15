using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core;

namespace FedFace.Aggregator.Collection;

/// <summary>What collecting a round found besides its updates.</summary>
/// <param name="AbortReason">Why the round cannot commit whatever it collected; null when it may.</param>
/// <param name="SecureAggregation">A secure round's stage counts, for its summary; null for a plain round.</param>
public sealed record CollectionResult(string? AbortReason, SecureRoundReport? SecureAggregation);

/// <summary>
/// The collection seam: how a round's updates reach its <see cref="CollectedUpdates"/>, one implementation per mode
/// (plain uploads folded as they arrive; SecAgg+ stages that yield only their sum). The sites' answers themselves come
/// in through the gRPC services; the collector readies the round for them and waits until it has them all or time is up.
/// </summary>
public interface IUpdateCollector
{
    /// <summary>The fewest updates a round of <paramref name="sampledSites"/> can commit with in this mode: at least <paramref name="minSites"/>.</summary>
    int MinimumSurvivors(int sampledSites, int minSites);

    /// <summary>Readies the round for this mode before any site sees its task, and says in the task how sites send updates.</summary>
    void Prepare(OpenRound round, ModelState global);

    /// <summary>Returns once every sampled site answered or the round's time is up; its updates are then in <see cref="OpenRound.Updates"/>.</summary>
    Task<CollectionResult> CollectAsync(OpenRound round, CancellationToken cancellationToken);
}
