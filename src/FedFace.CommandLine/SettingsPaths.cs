using System.Reflection;

namespace FedFace.CommandLine;

/// <summary>
/// Where a relative path in the settings points. Settings name their paths by their unit (<c>…Path</c>, <c>…Directory</c>);
/// a relative one is taken from the settings home (the <c>--config</c> file's folder, or the program's own folder), never
/// from wherever the program happened to be started.
/// </summary>
public static class SettingsPaths
{
    public static bool IsPathKey(string key) =>
        key.EndsWith("Path", StringComparison.Ordinal) || key.EndsWith("Directory", StringComparison.Ordinal);

    /// <summary>The folder relative paths in settings are taken from: the <c>--config</c> file's, or else the program's.</summary>
    public static string Home(string? configFile) =>
        configFile is { Length: > 0 } ? Path.GetDirectoryName(Path.GetFullPath(configFile))! : AppContext.BaseDirectory;

    /// <summary>Makes every relative, non-empty path setting of <paramref name="settings"/> (and of its nested settings) absolute under <paramref name="home"/>.</summary>
    public static void Resolve(object settings, string home)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (PropertyInfo property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetSetMethod() is not null && p.GetIndexParameters().Length == 0))
        {
            object? value = property.GetValue(settings);
            if (property.PropertyType == typeof(string) && IsPathKey(property.Name) && value is string { Length: > 0 } path && !Path.IsPathRooted(path))
            {
                property.SetValue(settings, Path.GetFullPath(path, home));
            }
            else if (value is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string)
                     && property.PropertyType.Namespace?.StartsWith("FedFace", StringComparison.Ordinal) == true)
            {
                Resolve(value, home);
            }
        }
    }
}
