using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Loads OpenCV's native library once, up front. On a machine that lacks one of its dependencies (Debian without
/// <c>libgtk-3-0</c>) the first OpenCV call otherwise fails with a TypeInitializationException from whichever worker
/// thread touched OpenCV first, its cause buried in a list of every path the loader tried.
/// </summary>
public static class OpenCvNative
{
    private const string NativeLibrary = "OpenCvSharpExtern";
    private static readonly Lazy<string?> LoadFailure = new(TryLoad);

    /// <exception cref="DllNotFoundException">naming the missing library and what installs it.</exception>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure)
        {
            throw new DllNotFoundException(failure);
        }
    }

    /// <summary>
    /// One line out of the loader's message, which lists every path tried: a line naming another library than
    /// OpenCvSharpExtern is the dependency that is missing.
    /// </summary>
    public static string DescribeLoadFailure(string loaderMessage)
    {
        string[] lines = loaderMessage.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string? dependency = lines
            .Where(line => line.Contains("cannot open shared object file", StringComparison.Ordinal) && !line.Contains(NativeLibrary, StringComparison.Ordinal))
            .Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)])
            .FirstOrDefault();
        if (dependency is null)
        {
            return $"OpenCV's native library ({NativeLibrary}) could not be loaded: {lines.FirstOrDefault() ?? "no reason given"}";
        }
        string install = dependency.StartsWith("libgtk-3", StringComparison.Ordinal) ? "Debian: apt-get install libgtk-3-0" : "install the package that provides it";
        return $"OpenCV's native library ({NativeLibrary}) needs {dependency}, which this machine lacks ({install}; scripts/prerequisites.sh installs everything FedFace needs)";
    }

    private static string? TryLoad()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when ((e is TypeInitializationException ? e.InnerException : e) is DllNotFoundException missing)
        {
            return DescribeLoadFailure(missing.Message);
        }
    }
}
