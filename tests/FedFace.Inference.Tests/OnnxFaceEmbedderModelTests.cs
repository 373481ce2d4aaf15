using FedFace.DevelopmentData;

namespace FedFace.Inference.Tests;

/// <summary>
/// Loading checks and batching on small hand-written models whose "embedding" is a face's per-channel mean,
/// and on missing, corrupt and truncated files.
/// </summary>
public sealed class OnnxFaceEmbedderModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-inference-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Faces whose channels are constant planes of different values, so each has a distinct channel mean.</summary>
    private static float[][] ConstantFaces(int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var face = new float[OnnxFaceEmbedder.InputLength];
            const int plane = OnnxFaceEmbedder.InputLength / 3;
            face.AsSpan(0, plane).Fill(0.1f * (i + 1));
            face.AsSpan(plane, plane).Fill(-0.2f);
            face.AsSpan(2 * plane, plane).Fill(0.05f * i);
            return face;
        })];

    private static float[] NormalisedChannelMeans(float[] face)
    {
        const int plane = OnnxFaceEmbedder.InputLength / 3;
        float[] means = [face[0], face[plane], face[2 * plane]];
        float norm = MathF.Sqrt(means.Sum(m => m * m));
        return [.. means.Select(m => m / norm)];
    }

    private static void AssertChannelMeanEmbeddings(float[][] faces, float[][] embeddings)
    {
        Assert.Equal(faces.Length, embeddings.Length);
        for (int i = 0; i < faces.Length; i++)
        {
            float[] expected = NormalisedChannelMeans(faces[i]);
            Assert.Equal(expected.Length, embeddings[i].Length);
            for (int k = 0; k < expected.Length; k++)
            {
                // ReduceMean sums 12,544 floats: the last digits of its mean differ from the exact value.
                Assert.Equal(expected[k], embeddings[i][k], 4);
            }
        }
    }

    [Fact]
    public void AMissingModelFileIsReportedWithItsPath()
    {
        string path = Path.Combine(_folder, "nowhere.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void AFileThatIsNotAModelIsReportedAsSuch()
    {
        string path = Write("notes.onnx", "this is not a model"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains("is not a loadable ONNX model", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ATruncatedModelIsReportedAsSuch()
    {
        byte[] model = File.ReadAllBytes(SharedData.MobileFaceNetOnnx);
        string path = Write("truncated.onnx", model[..(model.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains("is not a loadable ONNX model", error.Message);
    }

    [Fact]
    public void AModelForAnotherInputSizeIsRefusedWithItsShape()
    {
        string path = Write("big.onnx", TinyOnnxModel.ChannelMean(batch: 1, height: 224, width: 224));

        var error = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains("[1,3,224,224]", error.Message);
        Assert.Contains("[N,3,112,112]", error.Message);
    }

    [Fact]
    public void AModelWithTwoInputsIsRefused()
    {
        string path = Write("two.onnx", TinyOnnxModel.TwoInputs());

        var error = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains("2 inputs (a, b)", error.Message);
    }

    [Fact]
    public void AModelTakingIntegersIsRefused()
    {
        string path = Write("ints.onnx", TinyOnnxModel.ChannelMean(batch: "N", inputType: TinyOnnxModel.Int64));

        var error = Assert.Throws<InvalidDataException>(() => new OnnxFaceEmbedder(path));

        Assert.Contains("expected a float32 tensor", error.Message);
    }

    [Fact]
    public void ADynamicBatchModelRunsFacesInBatchesOfTheConfiguredSize()
    {
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));
        using var embedder = new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { MaxBatchSize = 3 });
        float[][] faces = ConstantFaces(7);

        float[][] embeddings = embedder.EmbedMany(faces);

        Assert.True(embedder.HasDynamicBatch);
        Assert.Equal((3, 3, "face", "embedding"), (embedder.FacesPerRun, embedder.EmbeddingSize, embedder.InputName, embedder.OutputName));
        AssertChannelMeanEmbeddings(faces, embeddings);
    }

    [Fact]
    public void AFixedBatchModelGetsFullBatchesPaddedAtTheEnd()
    {
        string path = Write("four.onnx", TinyOnnxModel.ChannelMean(batch: 4));
        using var embedder = new OnnxFaceEmbedder(path);
        float[][] faces = ConstantFaces(5);

        float[][] embeddings = embedder.EmbedMany(faces);

        Assert.False(embedder.HasDynamicBatch);
        Assert.Equal(4, embedder.FacesPerRun);
        AssertChannelMeanEmbeddings(faces, embeddings);
    }

    [Fact]
    public void AModelThatOnlyClaimsADynamicBatchIsRunOneFaceAtATime()
    {
        // Declares [N,3,112,112] but reshapes to [1, 3N]: two faces in would come back as one six-value row.
        string path = Write("claims.onnx", TinyOnnxModel.ChannelMeanWithFixedReshape());
        using var embedder = new OnnxFaceEmbedder(path);
        float[][] faces = ConstantFaces(3);

        float[][] embeddings = embedder.EmbedMany(faces);

        Assert.False(embedder.HasDynamicBatch);
        Assert.Equal((1, 3), (embedder.FacesPerRun, embedder.EmbeddingSize));
        AssertChannelMeanEmbeddings(faces, embeddings);
    }

    [Fact]
    public void FlipAugmentationOfASymmetricModelChangesNothing()
    {
        // A channel mean does not see left and right, so the mirror adds the same vector again.
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));
        using var embedder = new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { FlipTestTimeAugmentation = true, MaxBatchSize = 4 });
        float[][] faces = ConstantFaces(3);

        AssertChannelMeanEmbeddings(faces, embedder.EmbedMany(faces));
    }

    [Fact]
    public void FacesAreRemappedToTheModelsNormalisation()
    {
        // Channel means of constant planes, re-mapped value by value: ((t + 1) / 2 − mean) / std.
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));
        var normalization = new ModelInputNormalization("test", (0.4f, 0.5f, 0.6f), (0.2f, 0.25f, 0.5f));
        using var embedder = new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { Normalization = normalization });
        float[][] faces = ConstantFaces(2);

        float[][] embeddings = embedder.EmbedMany(faces);

        const int plane = OnnxFaceEmbedder.InputLength / 3;
        float[][] remapped = [.. faces.Select(face =>
        {
            float[] copy = (float[])face.Clone();
            copy.AsSpan(0, plane).Fill(((face[0] + 1) / 2 - 0.4f) / 0.2f);
            copy.AsSpan(plane, plane).Fill(((face[plane] + 1) / 2 - 0.5f) / 0.25f);
            copy.AsSpan(2 * plane, plane).Fill(((face[2 * plane] + 1) / 2 - 0.6f) / 0.5f);
            return copy;
        })];
        AssertChannelMeanEmbeddings(remapped, embeddings);
    }

    [Fact]
    public void SymmetricNormalisationIsFaceTensorsOwn()
    {
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));
        using var explicitSymmetric = new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { Normalization = new("mine", (0.5f, 0.5f, 0.5f), (0.5f, 0.5f, 0.5f)) });
        float[][] faces = ConstantFaces(2);

        AssertChannelMeanEmbeddings(faces, explicitSymmetric.EmbedMany(faces));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelInputNormalization("bad", (0.5f, 0.5f, 0.5f), (0.5f, 0f, 0.5f)));
    }

    [Fact]
    public void MirroringReversesEveryRowOfEveryPlane()
    {
        float[] face = [.. Enumerable.Range(0, OnnxFaceEmbedder.InputLength).Select(i => (float)i)];
        var mirrored = new float[face.Length];

        OnnxFaceEmbedder.MirrorHorizontally(face, mirrored);

        const int w = OnnxFaceEmbedder.FaceWidth, plane = OnnxFaceEmbedder.FaceHeight * w;
        foreach (int channel in new[] { 0, 2 })
        {
            foreach (int row in new[] { 0, 57, 111 })
            {
                foreach (int column in new[] { 0, 1, 111 })
                {
                    Assert.Equal(face[channel * plane + row * w + (w - 1 - column)], mirrored[channel * plane + row * w + column]);
                }
            }
        }
    }

    [Fact]
    public void AFaceOfTheWrongSizeIsRefused()
    {
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));
        using var embedder = new OnnxFaceEmbedder(path);

        var error = Assert.Throws<ArgumentException>(() => embedder.EmbedMany([new float[OnnxFaceEmbedder.InputLength], new float[100]]));

        Assert.Contains("faces[1] has 100 values", error.Message);
    }

    [Fact]
    public void NonsensicalOptionsAreRefused()
    {
        string path = Write("dynamic.onnx", TinyOnnxModel.ChannelMean(batch: "N"));

        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { IntraOpThreads = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxFaceEmbedder(path, new OnnxFaceEmbedderOptions { MaxBatchSize = 0 }));
    }
}
