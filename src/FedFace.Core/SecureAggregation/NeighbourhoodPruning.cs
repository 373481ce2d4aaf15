namespace FedFace.Core.SecureAggregation;

/// <summary>
/// A site whose secrets could never be reconstructed — fewer than t of its neighbours still in the round —
/// is set aside at the end of stages 0 and 1, as if it had dropped: its input could not be unmasked later,
/// so nobody masks with it. Setting one aside can leave a neighbour short, hence the repetition.
/// </summary>
internal static class NeighbourhoodPruning
{
    public static SortedSet<string> Prune(IEnumerable<string> candidates, NeighbourGraph graph, int threshold)
    {
        var kept = new SortedSet<string>(candidates, StringComparer.Ordinal);
        while (true)
        {
            string[] lacking = [.. kept.Where(site => SurvivingNeighbours(site, kept, graph) < threshold)];
            if (lacking.Length == 0) return kept;
            kept.ExceptWith(lacking);
        }
    }

    public static int SurvivingNeighbours(string site, IReadOnlySet<string> survivors, NeighbourGraph graph) =>
        graph.NeighboursOf(site).Count(survivors.Contains);
}
