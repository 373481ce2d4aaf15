using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class FaceEmbedderTests
{
    [Fact]
    public void Embeddings_are_unit_rows_and_do_not_depend_on_the_batching()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 3);
        using var embedder = new FaceEmbedder(GlobalModelFactory.CreateInitial(seed: 5));

        float[] together = embedder.Embed(faces.Pixels, faces.ImageCount);
        float[] oneByOne = embedder.Embed(faces.Pixels, faces.ImageCount, batchSize: 1);

        Assert.Equal(faces.ImageCount * 128, together.Length);
        for (int i = 0; i < faces.ImageCount; i++)
        {
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(together.AsSpan(i * 128, 128));
            Assert.Equal(1f, norm, 1e-5f);
        }
        Assert.All(together.Zip(oneByOne), p => Assert.Equal(p.First, p.Second, 1e-4f));
    }

    [Fact]
    public void Embed_rejects_a_pixel_count_that_does_not_match()
    {
        using var embedder = new FaceEmbedder(GlobalModelFactory.CreateInitial(seed: 5));
        var error = Assert.Throws<ArgumentException>(() => embedder.Embed(new float[100], count: 1));
        Assert.Contains("37632", error.Message);
    }
}
