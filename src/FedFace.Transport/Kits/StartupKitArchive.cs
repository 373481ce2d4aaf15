using System.IO.Compression;
using FedFace.Core.Security;

namespace FedFace.Transport.Kits;

/// <summary>
/// Reads a startup kit's zip into memory, refusing anything but exactly the kit's flat set of small entries: a path that
/// would land outside the kit (zip slip), an oversized entry (whatever its header claims), a missing, extra or repeated one.
/// </summary>
public static class StartupKitArchive
{
    private const long MaxKitBytes = 1 << 20;

    public static IReadOnlyDictionary<string, byte[]> Read(string path)
    {
        FileInfo file = new(path);
        if (!file.Exists) throw new StartupKitException($"there is no kit file '{path}'");
        if (file.Length > MaxKitBytes) throw new StartupKitException($"'{path}' is {file.Length} bytes, too large for a startup kit (at most {MaxKitBytes})");
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                string name = entry.FullName;
                if (name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(name))
                    throw new StartupKitException($"entry '{name}' points outside the kit (zip slip)");
                if (!StartupKitEntries.All.Contains(name)) throw new StartupKitException($"unexpected entry '{name}' (a kit holds {string.Join(", ", StartupKitEntries.All)} and nothing else)");
                if (!entries.TryAdd(name, ReadBounded(entry))) throw new StartupKitException($"entry '{name}' appears twice");
            }
            string? missing = StartupKitEntries.All.FirstOrDefault(name => !entries.ContainsKey(name));
            return missing is null ? entries : throw new StartupKitException($"the kit lacks '{missing}'");
        }
        catch (InvalidDataException e)
        {
            throw new StartupKitException($"'{path}' is not a readable zip ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupKitException($"cannot read '{path}' ({e.Message})");
        }
    }

    /// <summary>Stops at the limit however large the entry claims to be (a header can lie about its size).</summary>
    private static byte[] ReadBounded(ZipArchiveEntry entry)
    {
        if (entry.Length > StartupKitEntries.MaxEntryBytes) throw TooLarge(entry);
        using Stream stream = entry.Open();
        var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > StartupKitEntries.MaxEntryBytes) throw TooLarge(entry);
        }
        return buffer.ToArray();
    }

    private static StartupKitException TooLarge(ZipArchiveEntry entry) =>
        new($"entry '{entry.FullName}' is larger than the {StartupKitEntries.MaxEntryBytes} bytes a kit entry may hold");
}
