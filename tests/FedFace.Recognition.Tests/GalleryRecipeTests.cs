namespace FedFace.Recognition.Tests;

public sealed class GalleryRecipeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-recognition-").FullName;
    private static readonly GalleryRecipe s_recipe = new("model.onnx", "0123456789abcdef" + new string('0', 48), 128, "imagenet", Flip: false);

    private string GalleryPath => Path.Combine(_folder, "site.ffg");

    [Fact]
    public void IsWrittenBesideTheGalleryAndReadBack()
    {
        s_recipe.WriteBeside(GalleryPath);

        Assert.Equal(GalleryPath + ".recipe.json", GalleryRecipe.PathFor(GalleryPath));
        Assert.Equal(s_recipe, GalleryRecipe.ReadBeside(GalleryPath));
    }

    [Fact]
    public void AGalleryWithoutOneHasNone() => Assert.Null(GalleryRecipe.ReadBeside(GalleryPath));

    [Fact]
    public void AFileThatIsNotARecipeIsInvalidDataNamingIt()
    {
        File.WriteAllText(GalleryRecipe.PathFor(GalleryPath), "not json");

        Assert.Contains(GalleryRecipe.PathFor(GalleryPath), Assert.Throws<InvalidDataException>(() => GalleryRecipe.ReadBeside(GalleryPath)).Message);
    }

    [Theory]
    [InlineData("model", "its templates come from model model.onnx")]
    [InlineData("normalization", "enrolled with imagenet normalisation, not symmetric")]
    [InlineData("flip", "enrolled without --flip")]
    public void ProbesMadeDifferentlyAreRefusedWithTheDifference(string change, string expected)
    {
        GalleryRecipe probes = change switch
        {
            "model" => s_recipe with { Model = "other.onnx", ModelSha256 = new string('f', 64) },
            "normalization" => s_recipe with { Normalization = "symmetric" },
            _ => s_recipe with { Flip = true },
        };

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => s_recipe.EnsureComparableWith(probes, GalleryPath));

        Assert.Contains(expected, error.Message);
        s_recipe.EnsureComparableWith(s_recipe, GalleryPath);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
