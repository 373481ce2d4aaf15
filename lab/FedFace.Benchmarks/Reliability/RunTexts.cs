using System.Globalization;
using System.Text.RegularExpressions;

namespace FedFace.Benchmarks.Reliability;

/// <summary>Fuzz cases of one campaign target as its line reports them.</summary>
public sealed record FuzzCount(long Cases, long Findings);

/// <summary>The crash loop's lives: how many, and how many ended in an injected crash.</summary>
public sealed record CrashLives(int Lives, int Crashes);

/// <summary>Reads the figures the fuzz campaign and the crash loop print, from test output or from their scripts' output.</summary>
public static partial class RunTexts
{
    /// <summary>"fuzz TARGET: N cases run (A accepted, R refused), F findings, ..." lines, summed per target.</summary>
    public static IReadOnlyDictionary<string, FuzzCount> FuzzCounts(string text)
    {
        var counts = new Dictionary<string, FuzzCount>(StringComparer.Ordinal);
        foreach (Match m in FuzzLine().Matches(text))
        {
            string target = m.Groups["target"].Value;
            FuzzCount add = new(long.Parse(m.Groups["cases"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["findings"].Value, CultureInfo.InvariantCulture));
            counts[target] = counts.TryGetValue(target, out FuzzCount? sum) ? new FuzzCount(sum.Cases + add.Cases, sum.Findings + add.Findings) : add;
        }
        return counts;
    }

    /// <summary>The crash loop's table ("| life | resumed from round | … | crash at | …"): one row per life; a crash unless "crash at" is "—".</summary>
    public static CrashLives CrashLoopLives(string text)
    {
        string[] rows = [.. text.Split('\n').Select(l => l.Trim()).Where(l => LifeRow().IsMatch(l))];
        int crashes = rows.Count(r => !r.Split('|', StringSplitOptions.TrimEntries)[5].StartsWith('—'));
        return new CrashLives(rows.Length, crashes);
    }

    [GeneratedRegex(@"fuzz (?<target>[\w-]+): (?<cases>\d+) cases run[^\n]*?, (?<findings>\d+) findings")]
    private static partial Regex FuzzLine();

    [GeneratedRegex(@"^\| \d+ \| \d+ \|")]
    private static partial Regex LifeRow();
}
