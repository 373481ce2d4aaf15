using System.Reflection;

namespace FedFace.Core;

/// <summary>
/// The one build-wide version (Directory.Build.props <c>Version</c>; the SDK appends <c>+commit</c> when built from git),
/// as <c>--version</c> prints it.
/// </summary>
public static class BuildVersion
{
    public static string Of(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The line <c>--version</c> prints for the program <paramref name="name"/>.</summary>
    public static string Line(string name) => $"{name} {Of(Assembly.GetEntryAssembly() ?? typeof(BuildVersion).Assembly)}";
}
