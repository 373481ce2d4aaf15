using System.Numerics.Tensors;
using FedFace.DevelopmentData;
using FedFace.Vision;

namespace FedFace.Inference.Tests;

/// <summary>The pretrained MobileFaceNet (<c>mobilefacenet_foamliu.onnx</c>) on real LFW faces aligned by FedFace.Vision.</summary>
public sealed class OnnxFaceEmbedderLfwTests(LfwFaces faces) : IClassFixture<LfwFaces>
{
    // Pairs from fold 1 of lfw-pairs.txt: the first matched and mismatched ones.
    private static readonly (string, int, string, int)[] s_samePerson =
    [
        ("Abel_Pacheco", 1, "Abel_Pacheco", 4),
        ("Akhmed_Zakayev", 1, "Akhmed_Zakayev", 3),
        ("Amber_Tamblyn", 1, "Amber_Tamblyn", 2),
        ("Anders_Fogh_Rasmussen", 1, "Anders_Fogh_Rasmussen", 3),
    ];

    private static readonly (string, int, string, int)[] s_differentPeople =
    [
        ("Abdel_Madi_Shabneh", 1, "Dean_Barker", 1),
        ("Abdel_Madi_Shabneh", 1, "Giancarlo_Fisichella", 1),
        ("Abdul_Rahman", 1, "Portia_de_Rossi", 1),
        ("Abel_Pacheco", 1, "Jong_Thae_Hwa", 2),
    ];

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    [Fact]
    public void ReadsTheModelsSignatureFromTheFile()
    {
        OnnxFaceEmbedder embedder = faces.Embedder;

        Assert.Equal("input0", embedder.InputName);
        Assert.Equal("output0", embedder.OutputName);
        Assert.Equal(128, embedder.EmbeddingSize);
        Assert.Equal(FaceTensor.Length, OnnxFaceEmbedder.InputLength);
    }

    [Theory]
    [InlineData("Aaron_Peirsol", 1)]
    [InlineData("George_W_Bush", 1)]
    [InlineData("Serena_Williams", 1)]
    public void EmbeddingsAreUnitLength(string person, int number)
    {
        float[] embedding = faces.Embedder.Embed(faces.Tensor(person, number));

        Assert.Equal(128, embedding.Length);
        Assert.Equal(1.0, TensorPrimitives.Norm(embedding), 5);
    }

    [Theory]
    [InlineData("symmetric")]
    [InlineData("imagenet")]
    public void TheSamePersonScoresHigherThanDifferentPeople(string normalization)
    {
        using var embedder = new OnnxFaceEmbedder(SharedData.MobileFaceNetOnnx, new OnnxFaceEmbedderOptions
        {
            Normalization = normalization == "imagenet" ? ModelInputNormalization.ImageNet : ModelInputNormalization.Symmetric,
        });
        double[] same = [.. s_samePerson.Select(Score)];
        double[] different = [.. s_differentPeople.Select(Score)];

        Assert.True(same.Min() > different.Max(),
            $"same-person cosines [{string.Join(", ", same.Select(s => s.ToString("F3")))}] should all exceed "
            + $"different-people cosines [{string.Join(", ", different.Select(s => s.ToString("F3")))}]");

        double Score((string Person1, int Image1, string Person2, int Image2) pair) =>
            Cosine(embedder.Embed(faces.Tensor(pair.Person1, pair.Image1)), embedder.Embed(faces.Tensor(pair.Person2, pair.Image2)));
    }

    [Fact]
    public void FlipAugmentationGivesAMirroredFaceTheSameEmbedding()
    {
        using var flipping = new OnnxFaceEmbedder(SharedData.MobileFaceNetOnnx, new OnnxFaceEmbedderOptions { FlipTestTimeAugmentation = true });

        float[] original = flipping.Embed(faces.Tensor("Amber_Tamblyn", 1));
        float[] mirrored = flipping.Embed(faces.MirroredTensor("Amber_Tamblyn", 1));

        Assert.True(Cosine(original, mirrored) > 0.9999, $"cosine {Cosine(original, mirrored)}");
        Assert.Equal(1.0, TensorPrimitives.Norm(original), 5);
        // Without the augmentation a mirror is a different input, so the two embeddings differ (but not by much).
        double plain = Cosine(faces.Embedder.Embed(faces.Tensor("Amber_Tamblyn", 1)), faces.Embedder.Embed(faces.MirroredTensor("Amber_Tamblyn", 1)));
        Assert.InRange(plain, 0.5, 0.9999);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchedAndOneByOneEmbeddingsAgree(bool flip)
    {
        // Batches of 4 over 7 faces (14 items with mirrors): full batches and a short last one.
        using var embedder = new OnnxFaceEmbedder(SharedData.MobileFaceNetOnnx, new OnnxFaceEmbedderOptions { FlipTestTimeAugmentation = flip, MaxBatchSize = 4 });
        float[][] tensors = [.. s_samePerson.Concat(s_differentPeople).Take(7).Select(p => faces.Tensor(p.Item1, p.Item2))];

        float[][] batched = embedder.EmbedMany(tensors);

        Assert.Equal(tensors.Length, batched.Length);
        for (int i = 0; i < tensors.Length; i++)
        {
            float[] single = embedder.Embed(tensors[i]);
            Assert.True(Cosine(single, batched[i]) > 0.99999, $"face {i}: cosine {Cosine(single, batched[i])}");
        }
    }

    [Fact]
    public void TheModelsFixedBatchOfOneIsRunFaceByFace()
    {
        // The file declares input0 as 1x3x112x112, so batches become one call per face whatever MaxBatchSize says.
        using var embedder = new OnnxFaceEmbedder(SharedData.MobileFaceNetOnnx, new OnnxFaceEmbedderOptions { MaxBatchSize = 16 });

        Assert.False(embedder.HasDynamicBatch);
        Assert.Equal(1, embedder.FacesPerRun);
    }
}
