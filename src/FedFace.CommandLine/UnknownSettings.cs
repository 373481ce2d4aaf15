using FedFace.CommandLine.Settings;
using Microsoft.Extensions.Configuration;

namespace FedFace.CommandLine;

/// <summary>
/// Keys a program would silently ignore (a typo in appsettings.json, the --config file, an environment variable or the
/// command line): refused at start-up, each named, with the nearest known key.
/// </summary>
public static class UnknownSettings
{
    /// <summary>The keys under <paramref name="sectionKey"/> ("" = the whole configuration) that no setting of <paramref name="sections"/> or <paramref name="alsoKnown"/> binds.</summary>
    public static IReadOnlyList<string> In(IConfiguration configuration, string sectionKey, IEnumerable<SettingsSection> sections, IEnumerable<string>? alsoKnown = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string[] known = [.. sections.SelectMany(section => section.Rows).Select(row => row.Key), .. alsoKnown ?? []];
        var exact = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase);
        IConfiguration scope = sectionKey.Length == 0 ? configuration : configuration.GetSection(sectionKey);
        return [.. scope.AsEnumerable(makePathsRelative: false)
            .Where(pair => pair.Value is not null && (sectionKey.Length == 0 || pair.Key.Length > sectionKey.Length))
            .Select(pair => pair.Key)
            // A list or dictionary setting binds keys below its own (Key:0, Key:name).
            .Where(key => !exact.Contains(key) && !known.Any(k => key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>One line naming the unknown keys, each with its nearest known key when there is one; null when all are known.</summary>
    public static string? Problem(IReadOnlyList<string> unknown, IEnumerable<SettingsSection> sections)
    {
        if (unknown.Count == 0)
        {
            return null;
        }
        string[] known = [.. sections.SelectMany(section => section.Rows).Select(row => row.Key)];
        return $"unknown setting{(unknown.Count > 1 ? "s" : "")} " + string.Join(", ", unknown.Select(key => $"'{key}'{Suggestions.Hint(key, known)}"))
            + " (every key: --help or docs/configuration.md)";
    }

    /// <summary>Throws <see cref="UnknownSettingsException"/> naming every key under <paramref name="sectionKey"/> that no setting binds.</summary>
    public static void Refuse(IConfiguration configuration, string sectionKey, IReadOnlyList<SettingsSection> sections, IEnumerable<string>? alsoKnown = null)
    {
        if (Problem(In(configuration, sectionKey, sections, alsoKnown), sections) is { } problem)
        {
            throw new UnknownSettingsException(problem);
        }
    }
}
