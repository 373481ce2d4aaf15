using System.CommandLine;
using System.Globalization;
using FedFace.Core.Storage;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;
using FedFace.Vision;
using static FedFace.Cli.SummaryTable;

namespace FedFace.Cli;

/// <summary>
/// <c>fedface enroll FOLDER --model M --gallery G</c>: one template per person (the mean of the embeddings of all their
/// usable photos) into a new or existing 1:N gallery, with the recipe that made them kept beside it.
/// </summary>
public sealed class EnrollCommand : ICliCommand
{
    private readonly Argument<string> _folder = new("folder") { Description = "A folder per person holding that person's photos; the folder name is the person's id." };
    private readonly Option<string> _gallery = new("--gallery")
    {
        Description = "The gallery to create or add to; FILE.recipe.json beside it records how its templates were made.",
        HelpName = "FILE",
        Required = true,
    };
    private readonly Option<bool> _replace = new("--replace") { Description = "Start a new gallery instead of adding to FILE." };
    private readonly EmbeddingOptions _embedding = new(FaceSelectionPolicy.Largest, qualityGate: true);

    public EnrollCommand()
    {
        Command = new Command("enroll", """
            Builds or extends a 1:N gallery: one template per person from a folder of their photos.

            A person's template is the mean of the embeddings of all their usable photos. Enrolling someone already in the
            gallery replaces their template with one made from these photos alone. A person without a usable photo is listed
            and not enrolled (a template they already had is kept). Adding to a gallery uses its recipe's normalisation and
            flipping unless they are given, and refuses a different model, normalisation or flipping.

            Exit codes: 0 when the gallery was written, 1 on an error or when nobody could be enrolled, 2 on bad arguments.
            """)
        { _folder, _gallery, _replace };
        _embedding.AddTo(Command);
    }

    public Command Command { get; }
    public string Summary => "Build or extend a 1:N gallery: one template per person from a folder of their photos.";

    public int Run(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        string galleryPath = parsed.GetRequiredValue(_gallery);
        bool replace = parsed.GetValue(_replace);
        EmbeddingRecipe recipe = _embedding.Read(parsed);

        SiteDataset dataset = SiteDataset.Scan(parsed.GetRequiredValue(_folder));
        dataset.EnsurePersonFolders();
        if (dataset.LoosePhotos.Count > 0)
        {
            error.WriteLine($"warning: {dataset.LoosePhotos.Count} photo(s) at the top of {dataset.Root} are in no person's folder, so whose they are is unknown: not enrolled");
        }
        Gallery? existing = !replace && File.Exists(galleryPath) ? Gallery.Load(galleryPath) : null;
        GalleryRecipe? existingRecipe = existing is null ? null : GalleryRecipe.ReadBeside(galleryPath);
        if (existing is not null && existingRecipe is null)
        {
            error.WriteLine($"warning: {galleryPath} has no {Path.GetFileName(GalleryRecipe.PathFor(galleryPath))}; assuming its templates were made with this model and normalisation");
        }
        // The gallery is written only once every photo is embedded: a place that takes no file is found out now, not then.
        AtomicFile.EnsureWritable(galleryPath);
        using FaceEmbedding embedding = FaceEmbedding.Open(recipe.WithDefaultsFrom(existingRecipe));
        GalleryRecipe recipeUsed = GalleryRecipe.Of(embedding);
        existingRecipe?.EnsureComparableWith(recipeUsed, galleryPath);
        if (existing is not null && existing.Dimension != embedding.EmbeddingSize)
        {
            throw new InvalidDataException($"{galleryPath} holds {existing.Dimension}-value templates; {Path.GetFileName(embedding.ModelPath)} makes {embedding.EmbeddingSize}-value embeddings");
        }

        var progress = new ProgressBar(error, dataset.Images.Count, "photos", inPlace: !Console.IsErrorRedirected);
        EmbeddedPhotos photos = embedding.EmbedFiles([.. dataset.Images.Select(i => i.Path)], progress);
        progress.Finish();
        foreach (PhotoEmbedding skipped in photos.Photos.Where(p => p.Embedding is null))
        {
            error.WriteLine($"skipped {skipped.Path}: {skipped.Reason}");
        }

        var photosOf = dataset.People.ToDictionary(p => p, _ => new List<PhotoEmbedding>(), StringComparer.Ordinal);
        for (int i = 0; i < dataset.Images.Count; i++)
        {
            photosOf[dataset.Images[i].Person].Add(photos.Photos[i]);
        }
        string[] enrolled = [.. dataset.People.Where(p => photosOf[p].Any(photo => photo.Embedding is not null))];
        HashSet<string> isEnrolled = [.. enrolled];
        string[] reEnrolled = [.. enrolled.Where(p => existing?.Contains(p) == true)];
        // A person folder whose files are all of other types holds no photo at all: listed too, not dropped.
        string[] withoutPhotoFiles = [.. Directory.EnumerateDirectories(dataset.Root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.') && !photosOf.ContainsKey(name)).Order(StringComparer.Ordinal)];
        List<string> notEnrolled = [.. dataset.People.Where(p => !isEnrolled.Contains(p)).Select(p => DescribeUnusable(p, photosOf[p], existing)),
            .. withoutPhotoFiles.Select(p => $"{p}: no photo files{KeptNote(p, existing)}")];

        if (enrolled.Length == 0)
        {
            output.Write(string.Concat(notEnrolled.Select(line => $"not enrolled: {line}\n")));
            error.WriteLine($"fedface enroll: nobody enrolled: no usable photo of anyone in {dataset.Root}; {galleryPath} {(existing is null ? "not written" : "left unchanged")}");
            return CommandDispatcher.Failure;
        }

        Gallery gallery = WithTemplates(existing, enrolled.ToDictionary(p => p, p => photosOf[p].Select(photo => photo.Embedding).OfType<float[]>().ToArray()), embedding.EmbeddingSize);
        recipeUsed.WriteBeside(galleryPath);
        gallery.Save(galleryPath);

        string heading = $"{dataset.Root} → {Path.GetFullPath(galleryPath)} ({recipeUsed.Model}, {recipeUsed.Normalization}{(recipeUsed.Flip ? ", flip" : "")}, {EmbeddingRecipe.PolicyName(embedding.Policy)} face)";
        output.Write(Format(heading,
        [
            ("people", Count(dataset.People.Count + withoutPhotoFiles.Length)),
            ("enrolled", Count(enrolled.Length)),
            ("  new", Count(enrolled.Length - reEnrolled.Length)),
            ("  re-enrolled (template replaced)", Count(reEnrolled.Length)),
            ("not enrolled (no usable photo)", Count(notEnrolled.Count)),
            ("photos", Count(dataset.Images.Count)),
            ("photos used", Count(photos.EmbeddedCount)),
            .. photos.SkippedByCategory.Select(s => ($"skipped: {s.Category}", Count(s.Count))),
            ("loose photos (in no person's folder)", Count(dataset.LoosePhotos.Count)),
            ("ignored files (other types)", Count(dataset.IgnoredFiles.Count - dataset.LoosePhotos.Count)),
            ("cache hits", Count(photos.CacheHits)),
            ("people in the gallery", Count(gallery.Count)),
            ("seconds", photos.Seconds.ToString("F1", CultureInfo.InvariantCulture)),
        ]));
        if (reEnrolled.Length > 0)
        {
            output.WriteLine($"re-enrolled, previous template replaced by one from these photos: {string.Join(", ", reEnrolled)}");
        }
        output.Write(string.Concat(notEnrolled.Select(line => $"not enrolled: {line}\n")));
        return CommandDispatcher.Success;
    }

    /// <summary>
    /// The existing gallery's templates with <paramref name="newPeople"/> enrolled from their embeddings, replacing any
    /// template they had. Rebuilt as a new gallery: a person's template cannot be replaced in place.
    /// </summary>
    private static Gallery WithTemplates(Gallery? existing, Dictionary<string, float[][]> newPeople, int dimension)
    {
        var gallery = new Gallery(dimension);
        foreach (string person in existing?.PersonIds.Where(p => !newPeople.ContainsKey(p)) ?? [])
        {
            gallery.EnrollRows(person, existing!.TemplateOf(person));
        }
        foreach ((string person, float[][] embeddings) in newPeople)
        {
            gallery.Enroll(person, embeddings);
        }
        return gallery;
    }

    /// <summary>"Jane_Doe: 2 photos, no face found ×1, rejected: too blurred ×1".</summary>
    private static string DescribeUnusable(string person, List<PhotoEmbedding> photos, Gallery? existing)
    {
        IEnumerable<string> reasons = photos.GroupBy(p => p.SkippedAs!).Select(g => $"{g.Key} ×{g.Count()}");
        return $"{person}: {photos.Count} photo{(photos.Count == 1 ? "" : "s")}, {string.Join(", ", reasons)}{KeptNote(person, existing)}";
    }

    private static string KeptNote(string person, Gallery? existing) =>
        existing?.Contains(person) == true ? " (their template already in the gallery is kept)" : "";
}
