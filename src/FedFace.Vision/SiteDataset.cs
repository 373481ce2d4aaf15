namespace FedFace.Vision;

/// <summary>A photo at the site and whose it is.</summary>
public sealed record LabelledImage(string Path, string Person);

/// <summary>
/// A site's photo folder: one sub-folder per person, photos anywhere inside it (sub-folders such as
/// years or events are fine). Hidden files and folders (names starting with '.') are skipped; files with
/// other extensions, and photos lying loose at the top level, are listed in <see cref="IgnoredFiles"/>; the loose
/// photos also in <see cref="LoosePhotos"/>, for work that needs no names (alignment).
/// </summary>
public sealed class SiteDataset
{
    /// <summary>The extensions looked at (any case). What a file really is, is decided from its bytes.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".pgm", ".bmp", ".webp"];

    private SiteDataset(string root, IReadOnlyList<LabelledImage> images, IReadOnlyList<string> ignoredFiles, IReadOnlyList<string> loosePhotos)
    {
        Root = root;
        Images = images;
        IgnoredFiles = ignoredFiles;
        LoosePhotos = loosePhotos;
        People = [.. images.Select(i => i.Person).Distinct(StringComparer.Ordinal)];
    }

    public string Root { get; }
    /// <summary>Every photo, ordered by person then path (ordinal), so runs list them identically.</summary>
    public IReadOnlyList<LabelledImage> Images { get; }
    /// <summary>People with at least one photo.</summary>
    public IReadOnlyList<string> People { get; }
    public IReadOnlyList<string> IgnoredFiles { get; }
    /// <summary>Photos at the top level, outside any person's folder (also in <see cref="IgnoredFiles"/>): whose they are is unknown.</summary>
    public IReadOnlyList<string> LoosePhotos { get; }

    /// <summary>
    /// Throws when the folder holds loose photos but no person's folder: what needs names (enrolment, training) has
    /// nothing to go on, and saying why beats reporting that nobody was found.
    /// </summary>
    /// <exception cref="InvalidDataException">photos at the top level and no person folder.</exception>
    public void EnsurePersonFolders()
    {
        if (People.Count == 0 && LoosePhotos.Count > 0)
        {
            throw new InvalidDataException($"{Root} holds {LoosePhotos.Count} photo{(LoosePhotos.Count == 1 ? "" : "s")} but no person's folder; "
                + "expected a folder per person, named with the person's id, holding that person's photos");
        }
    }

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
        string[] loosePhotos = [.. ignored.Where(IsPhoto)];
        foreach (string personFolder in Directory.EnumerateDirectories(full).Where(d => !IsHidden(d)).Order(StringComparer.Ordinal))
        {
            string person = Path.GetFileName(personFolder);
            foreach (string file in FilesUnder(personFolder))
            {
                if (IsPhoto(file))
                {
                    images.Add(new LabelledImage(file, person));
                }
                else
                {
                    ignored.Add(file);
                }
            }
        }
        return new SiteDataset(full, images, ignored, loosePhotos);
    }

    private static IEnumerable<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => !IsHidden(f)).Order(StringComparer.Ordinal)
            .Concat(Directory.EnumerateDirectories(folder)
                .Where(d => !IsHidden(d) && new DirectoryInfo(d).LinkTarget is null) // a linked folder could loop back
                .Order(StringComparer.Ordinal).SelectMany(FilesUnder));

    private static bool IsPhoto(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
