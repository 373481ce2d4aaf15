using System.Runtime.Versioning;

namespace FedFace.Vision;

/// <summary>
/// Folders and files only their owner can read (0700 and 0600), as the site's keys are: for what shows people's faces.
/// Windows has no such modes and keeps what its ACLs say.
/// </summary>
internal static class PrivateStorage
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) 0700; an existing folder is left as it is.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, FolderMode);
    }

    /// <summary>A new file opened for writing, created 0600.</summary>
    public static FileStream CreateFile(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }
        return new FileStream(path, options);
    }

    /// <summary>
    /// Tightens <paramref name="folder"/> and everything in it to 0700 folders and 0600 files, when the folder itself is
    /// not yet private (left by a version that wrote them world-readable); a private folder is taken as tight already, so
    /// a large cache is walked once, not at every start. Nothing to do for a folder that does not exist.
    /// </summary>
    public static void TightenTree(string folder)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder) || File.GetUnixFileMode(folder) == FolderMode)
        {
            return;
        }
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Tighten(entry, Directory.Exists(entry) ? FolderMode : FileMode);
        }
        Tighten(folder, FolderMode);
    }

    [UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, UnixFileMode mode)
    {
        if (File.GetUnixFileMode(path) != mode)
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
