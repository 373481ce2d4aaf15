using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Protocol.Storage;
using FedFace.Tests;
using Microsoft.ML.OnnxRuntime;

namespace FedFace.EndToEnd.Tests;

/// <summary><c>fedface-site export-onnx</c> stamps the model with what serving it needs, and refuses to guess.</summary>
public sealed class SiteExportOnnxTests
{
    [Fact]
    public async Task An_exported_global_model_carries_the_normalisation_and_threshold_it_was_given()
    {
        using var temp = new TempDirectory();
        string model = temp.File("global-v000003.ffm"), onnx = temp.File("model.onnx");
        ModelFile.Write(model, BackboneState.Export(new MobileFaceNet(seed: 5)), version: 3);

        SiteRun run = await SiteProcess.RunAsync("export-onnx", "--model", model, "--out", onnx, "--normalization", "imagenet",
            "--threshold", "0.35", "--threshold-source", "LFW 10-fold, FAR 1e-2");

        Assert.Equal(0, run.ExitCode);
        using var session = new InferenceSession(onnx);
        Assert.Equal(new ModelCard("imagenet", 0.35f, "LFW 10-fold, FAR 1e-2"), ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap));
    }

    [Theory]
    [InlineData("--normalization", "")]
    [InlineData("--normalization", "bgr")]
    [InlineData("--threshold", "0.3")]
    public async Task An_export_that_would_leave_serving_to_guess_is_refused_in_one_line_with_exit_code_2(string flag, string value)
    {
        using var temp = new TempDirectory();
        string onnx = temp.File("model.onnx");
        string[] args = flag == "--threshold"
            ? ["export-onnx", "--model", "m.ffm", "--out", onnx, "--normalization", "symmetric", flag, value]
            : value.Length == 0 ? ["export-onnx", "--model", "m.ffm", "--out", onnx] : ["export-onnx", "--model", "m.ffm", "--out", onnx, flag, value];

        SiteRun run = await SiteProcess.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(onnx));
    }
}
