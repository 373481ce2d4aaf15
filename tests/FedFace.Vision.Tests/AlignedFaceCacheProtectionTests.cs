using System.Runtime.Versioning;

namespace FedFace.Vision.Tests;

/// <summary>
/// Aligned crops are pictures of people's faces: the cache keeps them as private as the site's keys (folders 0700,
/// files 0600), and tightens a cache written looser by an earlier version when it reuses it.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class AlignedFaceCacheProtectionTests : IDisposable
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadableFolder = PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode WorldReadableFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const string Settings = "test settings";

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string CacheRoot => Path.Combine(_root.Path, "cache");

    [Fact]
    public void A_new_cache_makes_its_folders_0700_and_its_entries_0600()
    {
        var cache = new AlignedFaceCache(CacheRoot, Settings);
        Assert.True(cache.Write(AlignedFaceCache.ContentHash([1, 2, 3]), DetectionOutcome.NoFace));

        AssertEverythingPrivate();
    }

    [Fact]
    public void Reusing_a_world_readable_cache_tightens_its_folders_and_entries()
    {
        var cache = new AlignedFaceCache(CacheRoot, Settings);
        Assert.True(cache.Write(AlignedFaceCache.ContentHash([1, 2, 3]), DetectionOutcome.NoFace));
        Loosen(CacheRoot);

        _ = new AlignedFaceCache(CacheRoot, Settings);

        AssertEverythingPrivate(includingTheRoot: false);
    }

    /// <summary>
    /// The root is tightened only when the cache creates it: an existing one may be the operator's folder for more
    /// than the cache, and its own folders below it keep out whoever may list it.
    /// </summary>
    private void AssertEverythingPrivate(bool includingTheRoot = true)
    {
        string[] folders = [.. includingTheRoot ? [CacheRoot] : Array.Empty<string>(), .. Directory.GetDirectories(CacheRoot, "*", SearchOption.AllDirectories)];
        string[] files = Directory.GetFiles(CacheRoot, "*", SearchOption.AllDirectories);
        Assert.Equal(includingTheRoot ? 3 : 2, folders.Length); // (root,) settings folder, one shard
        Assert.Equal(2, files.Length); // settings.txt, one entry
        Assert.All(folders, f => Assert.True(File.GetUnixFileMode(f) == PrivateFolder, $"{f} is {File.GetUnixFileMode(f)}"));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == PrivateFile, $"{f} is {File.GetUnixFileMode(f)}"));
    }

    /// <summary>What an earlier version left: 0755 folders and 0644 files.</summary>
    private static void Loosen(string folder)
    {
        File.SetUnixFileMode(folder, WorldReadableFolder);
        foreach (string entry in Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? WorldReadableFolder : WorldReadableFile);
        }
    }
}
