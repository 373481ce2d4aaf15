using FedFace.Core;
using FedFace.DevelopmentData;
using FedFace.Learning.Onnx;
using FedFace.Simulator.Benchmarks;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

/// <summary>
/// Import and export against ONNX Runtime, the engine a site without libtorch serves with: on the same aligned LFW
/// faces, our TorchSharp network and ONNX Runtime must give the same embedding (cosine ≥ 0.9999 on every face).
/// </summary>
public sealed class OnnxParityTests(OnnxParityTests.LfwFaces faces, ITestOutputHelper output) : IClassFixture<OnnxParityTests.LfwFaces>
{
    private const double RequiredCosine = 0.9999;
    private readonly OnnxParity _parity = faces.Parity;

    /// <summary>The 200 aligned LFW faces of <see cref="OnnxParity"/>, aligned once for the class.</summary>
    public sealed class LfwFaces
    {
        public OnnxParity Parity { get; } = OnnxParity.LoadLfwFaces();
    }

    [Fact]
    public void Imported_pretrained_weights_embed_like_onnx_runtime_runs_the_file()
    {
        double min = _parity.ImportMinCosine(SharedData.MobileFaceNetOnnx);

        output.WriteLine($"import: min cosine over {OnnxParity.FaceCount} LFW faces {min:F7}");
        Assert.True(min >= RequiredCosine, $"min cosine {min}");
    }

    [Fact]
    public void An_exported_model_with_real_BatchNorm_statistics_embeds_like_the_TorchSharp_network()
    {
        // Pretrained weights with BatchNorm made non-trivial, as after local training, so folding is exercised.
        ModelState trained = OnnxParity.PerturbBatchNorm(MobileFaceNetOnnx.Import(SharedData.MobileFaceNetOnnx), seed: 7);

        double min = _parity.ExportMinCosine(trained);

        output.WriteLine($"export: min cosine over {OnnxParity.FaceCount} LFW faces {min:F7}");
        Assert.True(min >= RequiredCosine, $"min cosine {min}");
    }

    [Fact]
    public void An_exported_IResNet_with_real_BatchNorm_statistics_embeds_like_the_TorchSharp_network()
    {
        // Pre-activation BatchNorm stays a BatchNormalization node, PReLU and the BatchNorm1d-folded Gemm are exercised too.
        ModelState trained = OnnxParity.PerturbBatchNorm(GlobalModelFactory.CreateInitial(seed: 5, Backbones.BackboneArchitecture.IResNet18), seed: 5);
        const int faces = 12; // 2.6 GFLOPs a face: a few are enough to show the graph computes the network

        double min = _parity.ExportMinCosine(trained, faces);

        output.WriteLine($"iresnet18 export: min cosine over {faces} LFW faces {min:F7}");
        Assert.True(min >= RequiredCosine, $"min cosine {min}");
    }

    [Fact]
    public void Export_then_import_then_export_gives_the_same_folded_weights()
    {
        ModelState trained = OnnxParity.PerturbBatchNorm(BackboneState.Export(new Backbones.MobileFaceNet(seed: 5)), seed: 5);
        using var temp = new TempDirectory();
        string first = temp.File("first.onnx"), second = temp.File("second.onnx");

        BackboneOnnx.Export(trained, first);
        BackboneOnnx.Export(MobileFaceNetOnnx.Import(first), second);

        var again = OnnxModelFile.Read(second).Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var tensor in OnnxModelFile.Read(first).Graph.Initializer)
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
        using var temp = new TempDirectory();
        string path = temp.File("model.onnx");
        BackboneOnnx.Export(state, path);

        using var session = new InferenceSession(path);
        Assert.Equal([-1, 3, 112, 112], session.InputMetadata[BackboneOnnx.InputName].Dimensions);
        Assert.Equal([-1, 128], session.OutputMetadata[BackboneOnnx.OutputName].Dimensions);
        Assert.Equal(state.ComputeSha256Hex(), session.ModelMetadata.CustomMetadataMap["fedface.backbone_sha256"]);
    }

    [Fact]
    public void Importing_a_file_that_is_not_a_model_names_the_file()
    {
        using var temp = new TempDirectory();
        string path = temp.File("garbage.onnx");
        File.WriteAllBytes(path, [0x0a, 0xff, 0xff, 0x01, 0x02]);
        var error = Assert.Throws<InvalidDataException>(() => MobileFaceNetOnnx.Import(path));
        Assert.Contains(path, error.Message);
        Assert.Throws<FileNotFoundException>(() => MobileFaceNetOnnx.Import(path + ".missing"));
    }

    [Fact]
    public void Importing_a_model_of_another_layout_is_refused_by_name()
    {
        // YuNet is an ONNX model, but not a MobileFaceNet.
        var error = Assert.Throws<InvalidDataException>(() => MobileFaceNetOnnx.Import(SharedData.YuNetModel));
        Assert.Contains("not a MobileFaceNet of our layout", error.Message);
    }
}
