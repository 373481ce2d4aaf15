namespace FedFace.CommandLine;

/// <summary>"Did you mean …?" for a mistyped flag or command: the closest known name, when it is close enough to be the one meant.</summary>
public static class Suggestions
{
    /// <summary>The candidate nearest <paramref name="typed"/> by edit distance (ignoring case), or null when none is plausibly meant.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        string lowered = typed.ToLowerInvariant();
        // A third of the last word may be wrong (two edits at least): "--min-site" finds "--min-sites",
        // "Aggregator:MinSitez" finds "Aggregator:MinSites", "--bogus-flag" and "Aggregator:Bogus" find nothing.
        int allowed = Math.Max(2, lowered[(lowered.LastIndexOf(':') + 1)..].TrimStart('-').Length / 3);
        return candidates
            .Select(candidate => (Candidate: candidate, Distance: Distance(lowered, candidate.ToLowerInvariant())))
            .Where(match => match.Distance <= allowed)
            // Stable: of equally near candidates the first listed wins (a flag before its settings-key form).
            .OrderBy(match => match.Distance)
            .Select(match => match.Candidate)
            .FirstOrDefault();
    }

    /// <summary>Levenshtein distance, one row at a time.</summary>
    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>" (did you mean --x?)" or nothing: the tail of an "unknown" message.</summary>
    public static string Hint(string typed, IEnumerable<string> candidates) =>
        Closest(typed, candidates) is { } closest ? $" (did you mean {closest}?)" : "";
}
