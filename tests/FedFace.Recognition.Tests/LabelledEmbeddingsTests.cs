using FedFace.Evaluation;
using FedFace.Evaluation.Identification;
using FedFace.Vision;

namespace FedFace.Recognition.Tests;

public sealed class LabelledEmbeddingsTests
{
    // Ann and Bob with three photos each (one of Bob's faceless), Cid with one: a stranger to the gallery.
    private static readonly LabelledImage[] s_images =
    [
        new("ann-1", "Ann"), new("ann-2", "Ann"), new("ann-3", "Ann"),
        new("bob-1", "Bob"), new("bob-2", "Bob"), new("bob-3", "Bob"),
        new("cid-1", "Cid"),
    ];

    private static readonly EmbeddedPhotos s_photos = Embeddings.Photos(
        ("ann-1", Embeddings.Axis(0)), ("ann-2", Embeddings.Axis(0)), ("ann-3", Embeddings.Axis(0)),
        ("bob-1", Embeddings.Axis(1)), ("bob-2", null), ("bob-3", Embeddings.Axis(1)),
        ("cid-1", Embeddings.Axis(2)));

    [Fact]
    public void ImagesWithoutAFaceAreLeftOutOfBothProtocols()
    {
        var embeddings = LabelledEmbeddings.Of(s_images, s_photos);

        AllPairsResult allPairs = embeddings.AllPairs([0.1]);
        IdentificationResult identification = embeddings.Identification([0.5]);

        Assert.Equal(["ann-1", "ann-2", "ann-3", "bob-1", "bob-3", "cid-1"], embeddings.Images.Select(i => i.Path));
        Assert.Equal(4, allPairs.GenuinePairs); // Ann: 3, Bob: 1
        Assert.Equal(11, allPairs.ImpostorPairs); // 15 pairs of 6 images, less the genuine ones
        Assert.Equal(2, identification.GallerySize);
        Assert.Equal(3, identification.MatedProbes); // Ann's 2nd and 3rd, Bob's 3rd
        Assert.Equal(1, identification.NonMatedProbes);
        Assert.Equal(1.0, identification.Rank1Accuracy);
    }

    [Fact]
    public void AnImageThatWasNotEmbeddedIsNamed()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => LabelledEmbeddings.Of([.. s_images, new("dan-1", "Dan")], s_photos));

        Assert.Contains("dan-1", error.Message);
    }
}
