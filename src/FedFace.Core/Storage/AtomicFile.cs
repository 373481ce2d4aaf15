namespace FedFace.Core.Storage;

/// <summary>
/// Write-then-rename with fsync: a reader sees the old file or the whole new one, never half of it. A process killed
/// mid-write leaves a temporary file (".name.GUID.tmp") that <see cref="RemoveOrphanedTemporaries"/> removes at start-up.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> atomically; <paramref name="afterStep"/> is called after each step (a fault-injection seam).</summary>
    public static void Write(string path, Action<Stream> writeContent, Action<AtomicWriteStep>? afterStep = null)
    {
        afterStep ??= static _ => { };
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = TemporaryPathFor(directory, path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: false);
                afterStep(AtomicWriteStep.TemporaryWritten);
                stream.Flush(flushToDisk: true);
                afterStep(AtomicWriteStep.TemporaryFlushed);
            }
            File.Move(temporary, path, overwrite: true);
        }
        // An injected crash stands for a kill -9, after which no clean-up runs: the filter keeps this handler out of it.
        catch (Exception e) when (e is not InjectedCrashException)
        {
            File.Delete(temporary);
            throw;
        }
        afterStep(AtomicWriteStep.Renamed);
        FlushDirectory(directory);
        afterStep(AtomicWriteStep.DirectoryFlushed);
    }

    /// <summary>
    /// Proves now that <paramref name="path"/> can be written, for commands that would otherwise learn it only once their
    /// work is done: makes its folder and creates and removes a temporary file in it, as <see cref="Write"/> will.
    /// </summary>
    /// <exception cref="IOException">naming <paramref name="path"/> when its folder cannot be made or takes no new file.</exception>
    public static void EnsureWritable(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(directory);
            using var probe = new FileStream(TemporaryPathFor(directory, path), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {path}: {e.Message}", e);
        }
    }

    private static string TemporaryPathFor(string directory, string path) =>
        Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");

    /// <summary>
    /// Deletes the temporary files a killed writer left in <paramref name="directory"/> and returns their names. Only for
    /// start-up, while nothing else writes there: a live writer's temporary file looks the same.
    /// </summary>
    public static IReadOnlyList<string> RemoveOrphanedTemporaries(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var removed = new List<string>();
        foreach (string orphan in Directory.EnumerateFiles(directory, $".*{TemporarySuffix}"))
        {
            File.Delete(orphan);
            removed.Add(orphan);
        }
        return removed;
    }

    /// <summary>Makes the rename itself durable (POSIX: fsync the directory).</summary>
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Some file systems refuse to open directories; the rename is still atomic there.
        }
    }
}
