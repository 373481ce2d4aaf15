using System.Text.Json;
using FedFace.DevelopmentData;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;

namespace FedFace.Cli.Tests;

public sealed class EnrollCommandTests : IDisposable
{
    private readonly PhotoFolder _photos = new();
    private string GalleryPath => _photos.PathOf("gallery.ffg");

    private CliRun Enroll(string folder, params string[] options) =>
        Fedface.Run(["enroll", _photos.PathOf(folder), "--gallery", GalleryPath, .. Fedface.PretrainedModel, .. options]);

    [Fact]
    public void EnrolsOneTemplatePerPersonAndKeepsTheRecipeBesideTheGallery()
    {
        _photos.AddLfw("site", "Colin_Powell", 1, 2, 3);
        _photos.AddLfw("site", "Tony_Blair", 1, 2, 3);

        CliRun run = Enroll("site");

        Assert.True(run.ExitCode == 0, run.ToString());
        Gallery gallery = Gallery.Load(GalleryPath);
        Assert.Equal(["Colin_Powell", "Tony_Blair"], gallery.PersonIds);
        Assert.Matches(@"photos used\s+6\b", run.Output);
        using JsonDocument recipe = JsonDocument.Parse(File.ReadAllText(GalleryRecipe.PathFor(GalleryPath)));
        Assert.Equal("imagenet", recipe.RootElement.GetProperty("Normalization").GetString());
        Assert.Equal(128, recipe.RootElement.GetProperty("EmbeddingSize").GetInt32());
    }

    [Fact]
    public void ListsAPersonWithoutAUsablePhotoInsteadOfDroppingThem()
    {
        _photos.AddLfw("site", "Colin_Powell", 1, 2);
        string notAPhoto = _photos.AddFile("site/Jane_Doe/holiday.jpg", "just text"u8.ToArray());
        _photos.AddFile("site/John_Roe/notes.txt", "no photos here"u8.ToArray());

        CliRun run = Enroll("site");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("not enrolled: Jane_Doe: 1 photo, unreadable: not an image ×1", run.Output);
        Assert.Contains("not enrolled: John_Roe: no photo files", run.Output);
        Assert.Contains($"skipped {notAPhoto}: not an image", run.Error);
        Assert.Equal(["Colin_Powell"], Gallery.Load(GalleryPath).PersonIds);
    }

    [Fact]
    public void LoosePhotosWithoutPersonFoldersAreOneLineSayingWhichLayoutIsExpected()
    {
        _photos.AddFile("site/IMG_0001.jpg", File.ReadAllBytes(SharedData.LfwImage("Colin_Powell", 1)));
        _photos.AddFile("site/IMG_0002.jpg", File.ReadAllBytes(SharedData.LfwImage("Tony_Blair", 1)));

        CliRun run = Enroll("site");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"fedface enroll: error: {_photos.PathOf("site")} holds 2 photos but no person's folder; expected a folder per person, "
            + "named with the person's id, holding that person's photos\n", run.Error);
        Assert.False(File.Exists(GalleryPath));
    }

    [Fact]
    public void NobodyToEnrolIsAnErrorAndWritesNoGallery()
    {
        _photos.AddFile("site/Jane_Doe/holiday.jpg", "just text"u8.ToArray());

        CliRun run = Enroll("site");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("nobody enrolled", run.Error);
        Assert.False(File.Exists(GalleryPath));
    }

    /// <summary>Regression: a gallery that could not be written was found out only after every photo was embedded.</summary>
    [Fact]
    public void AGalleryThatCannotBeWrittenIsOneLineBeforeAnyPhotoIsEmbedded()
    {
        _photos.AddLfw("site", "Colin_Powell", 1, 2);
        _photos.AddFile("site/Jane_Doe/holiday.jpg", "just text"u8.ToArray());
        string notAFolder = _photos.AddFile("not-a-folder", "a file"u8.ToArray());
        string galleryPath = Path.Combine(notAFolder, "gallery.ffg");

        CliRun run = Fedface.Run(["enroll", _photos.PathOf("site"), "--gallery", galleryPath, .. Fedface.PretrainedModel]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"fedface enroll: error: cannot write {galleryPath}: ", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // no "skipped …: not an image": nothing was embedded
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void AddsToAnExistingGalleryAndReplacesTheTemplateOfSomeoneEnrolledAgain()
    {
        _photos.AddLfw("first", "Colin_Powell", 1, 2);
        _photos.AddLfw("first", "Tony_Blair", 1, 2);
        _photos.AddLfw("second", "Tony_Blair", 5, 6);
        _photos.AddLfw("second", "Serena_Williams", 1, 2);
        Assert.Equal(0, Enroll("first").ExitCode);
        Gallery before = Gallery.Load(GalleryPath);

        CliRun run = Enroll("second");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("re-enrolled, previous template replaced by one from these photos: Tony_Blair", run.Output);
        Gallery after = Gallery.Load(GalleryPath);
        Assert.Equal(["Colin_Powell", "Serena_Williams", "Tony_Blair"], after.PersonIds.Order(StringComparer.Ordinal));
        Assert.Equal(before.TemplateOf("Colin_Powell").ToArray(), after.TemplateOf("Colin_Powell").ToArray(), new Tolerance(1e-6f));
        Assert.NotEqual(before.TemplateOf("Tony_Blair").ToArray(), after.TemplateOf("Tony_Blair").ToArray(), new Tolerance(1e-6f));
    }

    [Fact]
    public void ReplaceStartsANewGallery()
    {
        CliRun run = EnrolThenEnrolAnother("--normalization", "imagenet", "--replace");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["Serena_Williams"], Gallery.Load(GalleryPath).PersonIds);
    }

    [Fact]
    public void RefusesToAddEmbeddingsMadeWithAnotherNormalisation()
    {
        CliRun run = EnrolThenEnrolAnother("--normalization", "symmetric");

        Assert.Equal(1, run.ExitCode);
        // The model itself needs imagenet, so the contradiction is refused before the gallery's recipe is compared.
        Assert.Contains("needs imagenet normalisation (FedFace's table of known models), but symmetric was asked for", run.Error);
        Assert.Equal(["Colin_Powell"], Gallery.Load(GalleryPath).PersonIds);
    }

    [Fact]
    public void AddingWithoutNormalisationTakesTheGallerysRecipe()
    {
        CliRun run = EnrolThenEnrolAnother();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("imagenet", run.Output.Split('\n')[0]);
        Assert.Equal(["Colin_Powell", "Serena_Williams"], Gallery.Load(GalleryPath).PersonIds);
    }

    /// <summary>Enrols Colin_Powell (imagenet), then Serena_Williams into the same gallery with <paramref name="recipeOptions"/> as the only recipe options.</summary>
    private CliRun EnrolThenEnrolAnother(params string[] recipeOptions)
    {
        _photos.AddLfw("first", "Colin_Powell", 1, 2);
        _photos.AddLfw("second", "Serena_Williams", 1, 2);
        Assert.Equal(0, Enroll("first").ExitCode);
        return Fedface.Run(["enroll", _photos.PathOf("second"), "--gallery", GalleryPath, "--model", Fedface.Model, "--detector-model", Fedface.Detector, .. recipeOptions]);
    }

    public void Dispose() => _photos.Dispose();

    private sealed class Tolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= epsilon;
        public int GetHashCode(float obj) => 0;
    }
}
