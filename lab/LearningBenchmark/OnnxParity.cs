using FedFace.Core;
using FedFace.DevelopmentData;
using FedFace.Learning;
using FedFace.Learning.Onnx;
using FedFace.Vision;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FedFace.Simulator.Benchmarks;

/// <summary>
/// How closely our TorchSharp backbones and ONNX Runtime agree on real aligned faces: the smallest cosine between
/// the two embeddings of a face, over the first image of each of the first 200 LFW people (alphabetical) that YuNet
/// aligns. Used by the parity tests and by the learning benchmark (this file is compiled into both).
/// </summary>
public sealed class OnnxParity
{
    public const int FaceCount = 200;
    private const int FaceValues = 3 * 112 * 112;

    private OnnxParity(float[] pixels) => Pixels = pixels;

    /// <summary>The faces, (x − 127.5) / 127.5 RGB CHW, as both engines are fed them.</summary>
    public float[] Pixels { get; }

    public static OnnxParity LoadLfwFaces()
    {
        string[] images = [.. Directory.EnumerateDirectories(SharedData.LfwDirectory).Order(StringComparer.Ordinal)
            .Select(person => Directory.EnumerateFiles(person, "*.jpg").Order(StringComparer.Ordinal).First())
            .Take(FaceCount + 20)];
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism: 2);
        float[][] aligned = [.. pipeline.ProcessMany(images).Results
            .Where(r => r.Outcome == AlignmentOutcome.Aligned).Select(r => r.ToTensor()).Take(FaceCount)];
        if (aligned.Length != FaceCount)
        {
            throw new InvalidOperationException($"only {aligned.Length} of the first {images.Length} LFW people gave an aligned face; {FaceCount} needed");
        }
        return new OnnxParity([.. aligned.SelectMany(p => p)]);
    }

    /// <summary>The pretrained .onnx imported into TorchSharp against ONNX Runtime running the file itself.</summary>
    public double ImportMinCosine(string onnxPath) => MinCosine(Torch(MobileFaceNetOnnx.Import(onnxPath), FaceCount), OnnxRuntime(onnxPath, FaceCount), FaceCount);

    /// <summary>
    /// A backbone exported to ONNX (BatchNorm folded) and run by ONNX Runtime against the TorchSharp network. The pretrained
    /// weights get perturbed BatchNorm statistics first, as after local training, so the folding is really exercised.
    /// Over the first <paramref name="faceCount"/> faces (fewer for the large backbones in tests).
    /// </summary>
    public double ExportMinCosine(ModelState backbone, int faceCount = FaceCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(faceCount, FaceCount);
        string path = Path.Combine(Path.GetTempPath(), $"fedface-parity-{Guid.NewGuid():N}.onnx");
        try
        {
            BackboneOnnx.Export(backbone, path, "parity check");
            return MinCosine(Torch(backbone, faceCount), OnnxRuntime(path, faceCount), faceCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>BatchNorm scales, shifts and running statistics moved by a seeded amount, as local training would move them.</summary>
    public static ModelState PerturbBatchNorm(ModelState state, int seed)
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

    private float[] Torch(ModelState state, int faceCount)
    {
        using var embedder = new FaceEmbedder(state);
        return embedder.Embed(Pixels[..(faceCount * FaceValues)], faceCount);
    }

    /// <summary>Raw (unnormalised) outputs of ONNX Runtime, one face per run so fixed-batch files work too.</summary>
    private float[] OnnxRuntime(string path, int faceCount)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(path, options);
        string input = session.InputMetadata.Keys.Single();
        var embeddings = new List<float>();
        for (int i = 0; i < faceCount; i++)
        {
            var face = new DenseTensor<float>(Pixels.AsMemory(i * FaceValues, FaceValues), [1, 3, 112, 112]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, face)]);
            embeddings.AddRange(results.First().AsEnumerable<float>());
        }
        return [.. embeddings];
    }

    private static double MinCosine(float[] a, float[] b, int faceCount)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"TorchSharp gave {a.Length / faceCount}-d embeddings, ONNX Runtime {b.Length / faceCount}-d");
        }
        int size = a.Length / faceCount;
        double min = double.PositiveInfinity;
        for (int i = 0; i < faceCount; i++)
        {
            min = Math.Min(min, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a.AsSpan(i * size, size), b.AsSpan(i * size, size)));
        }
        return min;
    }
}
