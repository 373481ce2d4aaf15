using FedFace.Core;
using FedFace.Learning.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace FedFace.Learning.Tests;

public sealed class OnnxModelCardTests
{
    [Fact]
    public void An_exported_model_carries_its_normalisation_and_threshold_in_its_metadata()
    {
        ModelState state = BackboneState.Export(new Backbones.MobileFaceNet(seed: 3));
        var card = new ModelCard("symmetric", 0.3125f, "LFW 10-fold, FAR 1e-2, 6,000 pairs");
        using var temp = new TempDirectory();
        string stamped = temp.File("stamped.onnx"), plain = temp.File("plain.onnx");

        BackboneOnnx.Export(state, stamped, "test", card);
        BackboneOnnx.Export(state, plain, "test");

        using var session = new InferenceSession(stamped);
        Assert.Equal(card, ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap));
        using var plainSession = new InferenceSession(plain);
        Assert.Null(ModelCard.FromMetadata(plainSession.ModelMetadata.CustomMetadataMap));
    }
}
