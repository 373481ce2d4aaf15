using FedFace.DevelopmentData;

namespace FedFace.Recognition.Tests;

/// <summary>The pretrained model on a few real LFW photos: what the command line and the benchmark both rely on.</summary>
public sealed class FaceEmbeddingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-recognition-").FullName;
    private readonly FaceEmbedding _embedding = FaceEmbedding.Open(PretrainedMobileFaceNet.Recipe(SharedData.MobileFaceNetOnnx, SharedData.YuNetModel, threads: 2));

    [Fact]
    public void APhotoHasTheSameEmbeddingAloneAndAmongOthersWhicheverWayItIsEmbedded()
    {
        string photo = SharedData.LfwImage("Colin_Powell", 1);
        string[] others = [SharedData.LfwImage("Tony_Blair", 1), NotAPhoto(), SharedData.LfwImage("Serena_Williams", 1)];

        EmbeddedPhotos alone = _embedding.EmbedFiles([photo]);
        EmbeddedPhotos staged = _embedding.Embed(_embedding.AlignFiles([.. others, photo]));

        Assert.Equal(alone.Photos[0].Embedding, staged.Photos[^1].Embedding);
        Assert.Equal(3, staged.EmbeddedCount);
        Assert.Equal(128, staged.EmbeddingSize);
    }

    [Fact]
    public void APhotoWithoutAFaceIsSkippedWithItsCategoryAndReason()
    {
        string notAPhoto = NotAPhoto();

        EmbeddedPhotos photos = _embedding.EmbedFiles([notAPhoto]);

        PhotoEmbedding skipped = Assert.Single(photos.Photos);
        Assert.Null(skipped.Embedding);
        Assert.Equal("unreadable: not an image", skipped.SkippedAs);
        Assert.NotNull(skipped.Reason);
        Assert.Equal([("unreadable: not an image", 1)], photos.SkippedByCategory);
    }

    private string NotAPhoto()
    {
        string path = Path.Combine(_folder, "notes.jpg");
        File.WriteAllText(path, "just text");
        return path;
    }

    public void Dispose()
    {
        _embedding.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
