using FedFace.Core;
using FedFace.DevelopmentData;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

/// <summary>The strongest check of the layout: foamliu's pretrained weights, loaded into our network, recognise faces.</summary>
public sealed class PretrainedWeightsTests(ITestOutputHelper output)
{
    [Fact]
    public void The_onnx_weights_in_our_network_tell_orl_people_apart()
    {
        ModelState pretrained = Onnx.MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx);
        Training.FaceTrainingSet faces = OrlFaces.Load(people: 10, imagesPerPerson: 4);
        using var embedder = new FaceEmbedder(pretrained);
        float[] embeddings = embedder.Embed(faces.Pixels, faces.ImageCount);

        // Nearest neighbour (cosine) among the other 39 faces: is it the same person?
        int n = faces.ImageCount, hits = 0;
        double same = 0, different = 0;
        int sameCount = 0, differentCount = 0;
        for (int i = 0; i < n; i++)
        {
            int nearest = -1;
            double best = double.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double cosine = Dot(embeddings, i, j);
                if (faces.Labels[i] == faces.Labels[j]) { same += cosine; sameCount++; }
                else { different += cosine; differentCount++; }
                if (cosine > best) { best = cosine; nearest = j; }
            }
            hits += faces.Labels[nearest] == faces.Labels[i] ? 1 : 0;
        }
        output.WriteLine($"rank-1 {hits}/{n}, mean cosine same {same / sameCount:F3}, different {different / differentCount:F3}");
        Assert.True(hits >= 0.9 * n, $"only {hits}/{n} nearest neighbours are the same person");
        Assert.True(same / sameCount > different / differentCount + 0.3);
    }

    private static double Dot(float[] rows, int i, int j) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(rows.AsSpan(i * 128, 128), rows.AsSpan(j * 128, 128));
}
