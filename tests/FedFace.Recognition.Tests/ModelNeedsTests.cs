using FedFace.Core;
using FedFace.DevelopmentData;
using FedFace.Inference;

namespace FedFace.Recognition.Tests;

public sealed class ModelNeedsTests
{
    private static readonly ModelNeeds s_imagenet = new(new ModelCard("imagenet", 0.4f, "measured"), KnownModels.MetadataSource);

    [Fact]
    public void TheModelDecidesWhenNothingIsAsked()
    {
        Assert.Equal(ModelInputNormalization.ImageNet, ModelNeeds.ResolveNormalization(s_imagenet, asked: null, "m.onnx"));
        Assert.Equal(ModelInputNormalization.ImageNet, ModelNeeds.ResolveNormalization(s_imagenet, ModelInputNormalization.ImageNet, "m.onnx"));
    }

    [Fact]
    public void AskingForAnotherNormalisationThanTheModelNeedsIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelNeeds.ResolveNormalization(s_imagenet, ModelInputNormalization.Symmetric, "m.onnx"));

        Assert.StartsWith("m.onnx needs imagenet normalisation (its metadata), but symmetric was asked for", e.Message, StringComparison.Ordinal);
        // Only an experiment measuring what the mismatch costs may insist.
        Assert.Equal(ModelInputNormalization.Symmetric, ModelNeeds.ResolveNormalization(s_imagenet, ModelInputNormalization.Symmetric, "m.onnx", overrides: true));
    }

    [Fact]
    public void AModelThatSaysNothingNeedsToBeTold()
    {
        Assert.Equal(ModelInputNormalization.Symmetric, ModelNeeds.ResolveNormalization(null, ModelInputNormalization.Symmetric, "m.onnx"));
        var e = Assert.Throws<ArgumentException>(() => ModelNeeds.ResolveNormalization(null, asked: null, "m.onnx"));
        Assert.Contains("give --normalization symmetric or imagenet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSharedPretrainedModelIsKnownByItsHashWithItsNormalisationAndThreshold()
    {
        ModelNeeds? needs = KnownModels.Of(SharedData.MobileFaceNetOnnx, PretrainedMobileFaceNet.Sha256);

        Assert.NotNull(needs);
        Assert.Equal(KnownModels.Source, needs.Source);
        Assert.Equal(ModelInputNormalization.ImageNet, needs.Normalization);
        Assert.Equal(0.412f, needs.Card.VerificationThreshold);
        Assert.Null(KnownModels.Of(SharedData.MobileFaceNetOnnx, new string('0', 64)));
    }

    [Fact]
    public void AModelCardSurvivesItsMetadata()
    {
        var card = new ModelCard("symmetric", 0.3125f, "LFW 10-fold, FAR 1e-3, 6,000 pairs");

        ModelCard? read = ModelCard.FromMetadata(card.ToMetadata().ToDictionary());

        Assert.Equal(card, read);
        Assert.Null(ModelCard.FromMetadata(new Dictionary<string, string> { ["fedface.backbone"] = "mobilefacenet" }));
        Assert.Throws<InvalidDataException>(() => ModelCard.FromMetadata(new Dictionary<string, string> { [ModelCard.NormalizationKey] = "symmetric", [ModelCard.ThresholdKey] = "high" }));
    }
}
