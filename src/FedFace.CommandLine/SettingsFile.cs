using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace FedFace.CommandLine;

/// <summary>
/// The <c>--config PATH</c> settings file: it layers over the shipped appsettings.json and under the environment and the
/// command line, and its relative paths are taken from its own folder.
/// </summary>
public static class SettingsFile
{
    /// <summary>The configuration key the hosts' <c>--config</c> flag arrives under.</summary>
    public const string Key = "config";

    /// <summary>Inserts the JSON file <paramref name="path"/> (when given) after the last JSON source already in <paramref name="builder"/>.</summary>
    public static IConfigurationBuilder AddSettingsFile(this IConfigurationBuilder builder, string? path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrEmpty(path))
        {
            return builder;
        }
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"--config: the settings file {fullPath} does not exist", fullPath);
        }
        var source = new JsonConfigurationSource { Path = Path.GetFileName(fullPath), Optional = false, ReloadOnChange = false };
        source.FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(fullPath)!);
        return builder.InsertAfterFiles(source);
    }

    /// <summary>
    /// Settings that layer over the settings files (appsettings.json, --config) and under the environment and the command
    /// line, which still override them: a site's startup kit, say.
    /// </summary>
    public static IConfigurationBuilder AddOverFiles(this IConfigurationBuilder builder, IEnumerable<KeyValuePair<string, string?>> settings) =>
        builder.InsertAfterFiles(new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = settings });

    private static IConfigurationBuilder InsertAfterFiles(this IConfigurationBuilder builder, IConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        int lastJson = builder.Sources.Select((s, index) => (s, index)).LastOrDefault(pair => pair.s is JsonConfigurationSource, (null!, -1)).index;
        builder.Sources.Insert(lastJson + 1, source);
        return builder;
    }
}
