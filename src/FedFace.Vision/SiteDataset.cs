namespace FedFace.Vision;

/// <summary>A photo at the site and whose it is.</summary>
public sealed record LabelledImage(string Path, string Person);

/// <summary>
/// A site's photo folder: one sub-folder per person, photos anywhere inside it (sub-folders such as
/// years or events are fine). Hidden files and folders (names starting with '.') are skipped; files with
/// other extensions, and photos lying loose at the top level, are listed in <see cref="IgnoredFiles"/>.
/// </summary>
public sealed class SiteDataset
{
    /// <summary>The extensions looked at (any case). What a file really is, is decided from its bytes.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".pgm", ".bmp", ".webp"];

    private SiteDataset(string root, IReadOnlyList<LabelledImage> images, IReadOnlyList<string> ignoredFiles)
    {
        Root = root;
        Images = images;
        IgnoredFiles = ignoredFiles;
        People = [.. images.Select(i => i.Person).Distinct(StringComparer.Ordinal)];
    }

    public string Root { get; }
    /// <summary>Every photo, ordered by person then path (ordinal), so runs list them identically.</summary>
    public IReadOnlyList<LabelledImage> Images { get; }
    /// <summary>People with at least one photo.</summary>
    public IReadOnlyList<string> People { get; }
    public IReadOnlyList<string> IgnoredFiles { get; }

    /// <exception cref="DirectoryNotFoundException">when <paramref name="root"/> is not a folder.</exception>
    public static SiteDataset Scan(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"photo folder '{root}' does not exist (expected a folder per person holding their photos)");
        }
        var images = new List<LabelledImage>();
        var ignored = new List<string>();
        ignored.AddRange(Directory.EnumerateFiles(full).Where(f => !IsHidden(f)).Order(StringComparer.Ordinal));
        foreach (string personFolder in Directory.EnumerateDirectories(full).Where(d => !IsHidden(d)).Order(StringComparer.Ordinal))
        {
            string person = Path.GetFileName(personFolder);
            foreach (string file in FilesUnder(personFolder))
            {
                if (ImageExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    images.Add(new LabelledImage(file, person));
                }
                else
                {
                    ignored.Add(file);
                }
            }
        }
        return new SiteDataset(full, images, ignored);
    }

    private static IEnumerable<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => !IsHidden(f)).Order(StringComparer.Ordinal)
            .Concat(Directory.EnumerateDirectories(folder)
                .Where(d => !IsHidden(d) && new DirectoryInfo(d).LinkTarget is null) // a linked folder could loop back
                .Order(StringComparer.Ordinal).SelectMany(FilesUnder));

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
