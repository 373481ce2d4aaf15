using FedFace.Core;
using FedFace.Core.Training;
using FedFace.DevelopmentData;
using FedFace.Learning.Training;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

/// <summary>Distillation from the model a site was given: masked faces are pulled to where it put the bare face.</summary>
public sealed class DistillationTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_on_masked_faces_with_distillation_keeps_them_nearer_the_given_models_bare_face_embedding()
    {
        FaceTrainingSet bare = OrlFaces.Load(people: 6, imagesPerPerson: 4);
        FaceTrainingSet faces = bare with { MaskedPixels = LowerHalfBlanked(bare.Pixels) };
        // The pretrained model, fine-tuned as E1 does (BatchNorm statistics frozen) but with a rate high enough to drift.
        ModelState given = Onnx.MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx);
        float[] target = Embed(given, bare.Pixels, bare.ImageCount);
        var options = TrainingPlan.Default with
        {
            LocalEpochs = 2, BatchSize = 12, LearningRate = 0.01f, MaskedFaceProbability = 1, FreezeBatchNormStatistics = true, Seed = 5,
        };

        double Agreement(float weight)
        {
            using var site = new SiteModel(faces.ClassCount, seed: 1);
            site.LoadGlobal(given);
            site.Train(faces, options with { DistillationWeight = weight });
            float[] masked = Embed(site.ExportBackbone(), faces.MaskedPixels!, faces.ImageCount);
            return Enumerable.Range(0, faces.ImageCount).Average(i =>
                System.Numerics.Tensors.TensorPrimitives.Dot(masked.AsSpan(i * 128, 128), target.AsSpan(i * 128, 128)));
        }

        double without = Agreement(0), with = Agreement(10);

        output.WriteLine($"mean cosine of trained masked embedding to the given model's bare one: without {without:F3}, with distillation {with:F3}");
        Assert.True(with > without + 0.05, $"distillation {with:F3} vs none {without:F3}");
    }

    [Fact]
    public void The_weight_must_be_zero_or_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (TrainingPlan.Default with { DistillationWeight = -1 }).Validate());
    }

    private static float[] Embed(ModelState backbone, float[] pixels, int count)
    {
        using var embedder = new FaceEmbedder(backbone);
        return embedder.Embed(pixels, count);
    }

    /// <summary>A crude mask: the lower half of every channel set to −1 (black after normalisation).</summary>
    private static float[] LowerHalfBlanked(float[] pixels)
    {
        float[] masked = (float[])pixels.Clone();
        const int side = 112, plane = side * side;
        for (int start = 0; start < masked.Length; start += plane)
        {
            masked.AsSpan(start + plane / 2, plane / 2).Fill(-1f);
        }
        return masked;
    }
}
