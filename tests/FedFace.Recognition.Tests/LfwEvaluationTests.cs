namespace FedFace.Recognition.Tests;

public sealed class LfwEvaluationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-recognition-").FullName;

    // Two folds of one matched and one mismatched pair, in lfw-pairs.txt's format.
    private LfwEvaluation TwoFolds() => LfwEvaluation.Open(WritePairs("""
        2 1
        Ann 1 2
        Ann 1 Bob 1
        Bob 1 2
        Cid 1 Ann 2
        """), Path.Combine(_folder, "lfw"));

    [Fact]
    public void PairImagesAreTheDistinctImagesInOrderOfFirstAppearance()
    {
        LfwEvaluation lfw = TwoFolds();

        Assert.Equal(["Ann_0001.jpg", "Ann_0002.jpg", "Bob_0001.jpg", "Bob_0002.jpg", "Cid_0001.jpg"], lfw.PairImages.Select(Path.GetFileName));
        Assert.Equal(Path.Combine(_folder, "lfw", "Bob", "Bob_0002.jpg"), lfw.ImagePath("Bob", 2));
    }

    [Fact]
    public void APairWithAFacelessImageScoresMinusOneAndIsCounted()
    {
        LfwEvaluation lfw = TwoFolds();
        EmbeddedPhotos photos = Embeddings.Photos(
            (lfw.ImagePath("Ann", 1), Embeddings.Axis(0)), (lfw.ImagePath("Ann", 2), Embeddings.Axis(0)),
            (lfw.ImagePath("Bob", 1), null), (lfw.ImagePath("Bob", 2), Embeddings.Axis(1)), (lfw.ImagePath("Cid", 1), Embeddings.Axis(2)));

        LfwVerification verification = lfw.Verify(photos);

        Assert.Equal([1.0, LfwEvaluation.NoFaceScore, LfwEvaluation.NoFaceScore, 0.0], verification.Scores);
        Assert.Equal(2, verification.PairsWithoutFace);
        Assert.Equal(4, verification.Pairs);
        Assert.Equal(2, verification.Result.Accuracy.FoldAccuracies.Count);
    }

    [Fact]
    public void AnImageOfAPairThatWasNotEmbeddedIsNamedRatherThanTakenForFaceless()
    {
        LfwEvaluation lfw = TwoFolds();
        EmbeddedPhotos photos = Embeddings.Photos((lfw.ImagePath("Ann", 1), null));

        ArgumentException error = Assert.Throws<ArgumentException>(() => lfw.Verify(photos));

        Assert.Contains(lfw.ImagePath("Ann", 2), error.Message);
    }

    [Fact]
    public void AMalformedPairsFileIsInvalidDataNamingTheFile()
    {
        string pairs = WritePairs("ten three hundred\n");

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => LfwEvaluation.Open(pairs, _folder));

        Assert.Contains(pairs, error.Message);
    }

    private string WritePairs(string text)
    {
        string path = Path.Combine(_folder, $"pairs-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
