using FedFace.Core;
using FedFace.Learning.Onnx;
using FedFace.Vision;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

/// <summary>
/// Import and export against ONNX Runtime, the engine a site without libtorch serves with: on the same aligned LFW
/// faces, our TorchSharp network and ONNX Runtime must give the same embedding (cosine ≥ 0.9999 on every face).
/// </summary>
public sealed class OnnxParityTests(OnnxParityTests.LfwFaces faces, ITestOutputHelper output) : IClassFixture<OnnxParityTests.LfwFaces>
{
    private const double RequiredCosine = 0.9999;
    private readonly LfwFaces _faces = faces;

    /// <summary>The first image of each of the first 200 LFW people (alphabetical) that YuNet aligns.</summary>
    public sealed class LfwFaces
    {
        public const int Count = 200;

        public LfwFaces()
        {
            string[] images = [.. Directory.EnumerateDirectories(SharedData.LfwDirectory).Order(StringComparer.Ordinal)
                .Select(person => Directory.EnumerateFiles(person, "*.jpg").Order(StringComparer.Ordinal).First())
                .Take(Count + 20)];
            using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism: 2);
            float[][] aligned = [.. pipeline.ProcessMany(images).Results
                .Where(r => r.Outcome == AlignmentOutcome.Aligned).Select(r => r.ToTensor()).Take(Count)];
            Assert.Equal(Count, aligned.Length);
            Pixels = [.. aligned.SelectMany(p => p)];
        }

        public float[] Pixels { get; }
    }

    [Fact]
    public void Imported_pretrained_weights_embed_like_onnx_runtime_runs_the_file()
    {
        ModelState imported = MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx);

        double min = MinCosine(Torch(imported), OnnxRuntime(SharedData.MobileFaceNetOnnx));

        output.WriteLine($"import: min cosine over {LfwFaces.Count} LFW faces {min:F7}");
        Assert.True(min >= RequiredCosine, $"min cosine {min}");
    }

    [Fact]
    public void An_exported_model_with_real_BatchNorm_statistics_embeds_like_the_TorchSharp_network()
    {
        // Pretrained weights with BatchNorm made non-trivial, as after local training, so folding is exercised.
        ModelState trained = PerturbBatchNorm(MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx), seed: 7);
        using var temp = new TempFile(".onnx");

        MobileFaceNetOnnx.Export(trained, temp.Path, "parity test");
        double min = MinCosine(Torch(trained), OnnxRuntime(temp.Path));

        output.WriteLine($"export: min cosine over {LfwFaces.Count} LFW faces {min:F7}");
        Assert.True(min >= RequiredCosine, $"min cosine {min}");
    }

    [Fact]
    public void Export_then_import_then_export_gives_the_same_folded_weights()
    {
        ModelState trained = PerturbBatchNorm(BackboneState.Export(new Backbones.MobileFaceNet(seed: 5)), seed: 5);
        using var first = new TempFile(".onnx");
        using var second = new TempFile(".onnx");

        MobileFaceNetOnnx.Export(trained, first.Path);
        MobileFaceNetOnnx.Export(MobileFaceNetOnnx.Import(first.Path), second.Path);

        var again = OnnxModelFile.Read(second.Path).Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var tensor in OnnxModelFile.Read(first.Path).Graph.Initializer)
        {
            float[] expected = OnnxModelFile.Floats(tensor), actual = OnnxModelFile.Floats(again[tensor.Name]);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * (1 + Math.Abs(expected[i])), $"{tensor.Name}[{i}]: {expected[i]} vs {actual[i]}");
            }
        }
    }

    [Fact]
    public void The_exported_file_declares_a_dynamic_batch_and_names_its_backbone_hash()
    {
        ModelState state = BackboneState.Export(new Backbones.MobileFaceNet(seed: 3));
        using var temp = new TempFile(".onnx");
        MobileFaceNetOnnx.Export(state, temp.Path);

        using var session = new InferenceSession(temp.Path);
        Assert.Equal([-1, 3, 112, 112], session.InputMetadata[MobileFaceNetOnnx.InputName].Dimensions);
        Assert.Equal([-1, 128], session.OutputMetadata[MobileFaceNetOnnx.OutputName].Dimensions);
        Assert.Equal(state.ComputeSha256Hex(), session.ModelMetadata.CustomMetadataMap["fedface.backbone_sha256"]);
    }

    [Fact]
    public void Importing_a_file_that_is_not_a_model_names_the_file()
    {
        using var temp = new TempFile(".onnx");
        File.WriteAllBytes(temp.Path, [0x0a, 0xff, 0xff, 0x01, 0x02]);
        var error = Assert.Throws<InvalidDataException>(() => MobileFaceNetOnnx.Import(temp.Path));
        Assert.Contains(temp.Path, error.Message);
        Assert.Throws<FileNotFoundException>(() => MobileFaceNetOnnx.Import(temp.Path + ".missing"));
    }

    [Fact]
    public void Importing_a_model_of_another_layout_is_refused_by_name()
    {
        // YuNet is an ONNX model, but not a MobileFaceNet.
        var error = Assert.Throws<InvalidDataException>(() => MobileFaceNetOnnx.Import(SharedData.YuNetModel));
        Assert.Contains("not a MobileFaceNet of our layout", error.Message);
    }

    private float[] Torch(ModelState state)
    {
        using var embedder = new FaceEmbedder(state);
        return embedder.Embed(_faces.Pixels, LfwFaces.Count);
    }

    /// <summary>Raw (unnormalised) outputs of ONNX Runtime, one face per run so fixed-batch files work too.</summary>
    private float[] OnnxRuntime(string path)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(path, options);
        string input = session.InputMetadata.Keys.Single();
        const int size = 3 * 112 * 112;
        var embeddings = new float[LfwFaces.Count * 128];
        for (int i = 0; i < LfwFaces.Count; i++)
        {
            var face = new DenseTensor<float>(_faces.Pixels.AsMemory(i * size, size), [1, 3, 112, 112]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, face)]);
            results.First().AsEnumerable<float>().ToArray().CopyTo(embeddings, i * 128);
        }
        return embeddings;
    }

    private static double MinCosine(float[] a, float[] b)
    {
        double min = double.PositiveInfinity;
        for (int i = 0; i < a.Length / 128; i++)
        {
            min = Math.Min(min, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a.AsSpan(i * 128, 128), b.AsSpan(i * 128, 128)));
        }
        return min;
    }

    private static ModelState PerturbBatchNorm(ModelState state, int seed)
    {
        var random = new Random(seed);
        float Near(float center, float spread) => center + spread * (2 * random.NextSingle() - 1);
        return new ModelState(state.Tensors.Select(t =>
        {
            float[] values = (float[])t.Values.Clone();
            string name = t.Name;
            for (int i = 0; i < values.Length; i++)
            {
                if (name.EndsWith(".running_var", StringComparison.Ordinal) || (name.EndsWith(".weight", StringComparison.Ordinal) && t.Shape.Length == 1))
                {
                    values[i] *= Near(1f, 0.2f);
                }
                else if (name.EndsWith(".running_mean", StringComparison.Ordinal) || (name.EndsWith(".bias", StringComparison.Ordinal) && t.Shape.Length == 1))
                {
                    values[i] += Near(0f, 0.05f);
                }
            }
            return new NamedTensor(name, t.Shape, values);
        }));
    }

    private sealed class TempFile(string extension) : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fedface-{Guid.NewGuid():N}{extension}");

        public void Dispose() => File.Delete(Path);
    }
}
