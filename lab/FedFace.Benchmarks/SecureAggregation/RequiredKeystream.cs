using FedFace.Core.SecureAggregation;
using FedFace.Testing;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// The keystream a round's unmasking cannot do without, counted on the round's own neighbour graph: one mask for each
/// survivor's self-mask seed, and one for each pair of a site that shared keys but sent no masked input and a
/// surviving neighbour of it (the pairwise mask that neighbour added and nobody cancelled). Each mask is the whole
/// masked vector (the model's words and the weight).
/// </summary>
public static class RequiredKeystream
{
    public static long Masks(RoundConfiguration configuration, SecAggRoundReport report)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(report);
        var survived = report.Result.Contributors.ToHashSet(StringComparer.Ordinal);
        // A site that shared keys is one whose stage-1 answer the server took (the bench round never has rejections).
        IEnumerable<string> sharedButDropped = report.SiteCosts.Keys
            .Where(k => k.Stage == SecAggStage.ShareKeys && !survived.Contains(k.Site)).Select(k => k.Site);
        long pairwise = sharedButDropped.Sum(d => (long)configuration.Graph.NeighboursOf(d).Count(survived.Contains));
        return survived.Count + pairwise;
    }

    public static long Bytes(RoundConfiguration configuration, SecAggRoundReport report) =>
        Masks(configuration, report) * configuration.MaskedLength * sizeof(uint);
}
