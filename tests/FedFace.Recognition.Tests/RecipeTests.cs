using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Recognition.Tests;

public sealed class RecipeTests
{
    private static readonly EmbeddingRecipe s_openRecipe = new()
    {
        ModelPath = "model.onnx",
        Detector = new DetectorOptions(),
        Alignment = new FacePipelineSettings(),
    };

    [Fact]
    public void ThePretrainedRecipeScoresEveryImageByItsCentralFaceWithImageNetPixels()
    {
        EmbeddingRecipe recipe = PretrainedMobileFaceNet.Recipe("models/mobilefacenet_foamliu.onnx", "models/yunet.onnx", threads: 3);

        Assert.Equal(FaceSelectionPolicy.MostCentral, recipe.Alignment.Policy);
        Assert.Equal(FacePipelineSettings.Ungated with { Policy = FaceSelectionPolicy.MostCentral }, recipe.Alignment);
        Assert.Equal(ModelInputNormalization.ImageNet, recipe.EmbedderOptions.Normalization);
        Assert.False(recipe.Flip);
        Assert.Equal("models/mobilefacenet_foamliu.onnx", recipe.ModelPath);
        Assert.Equal("models/yunet.onnx", recipe.Detector.YuNetModelPath);
        Assert.Equal(3, recipe.Threads);
        Assert.NotEmpty(PretrainedMobileFaceNet.SelectionReason);
        Assert.NotEmpty(PretrainedMobileFaceNet.NormalizationReason);
    }

    [Fact]
    public void WhatTheRecipeLeavesOpenComesFromTheGalleryElseStaysOpenForTheModelToSay()
    {
        var gallery = new GalleryRecipe("model.onnx", new string('a', 64), 128, "imagenet", Flip: true);

        EmbeddingRecipe fromGallery = s_openRecipe.WithDefaultsFrom(gallery);
        EmbeddingRecipe withoutGallery = s_openRecipe.WithDefaultsFrom(null);
        EmbeddingRecipe chosen = (s_openRecipe with { Normalization = ModelInputNormalization.Symmetric }).WithDefaultsFrom(gallery);

        Assert.Equal(ModelInputNormalization.ImageNet, fromGallery.Normalization);
        Assert.True(fromGallery.Flip);
        Assert.Null(withoutGallery.Normalization);
        Assert.False(withoutGallery.Flip);
        Assert.Equal(ModelInputNormalization.Symmetric, chosen.Normalization);
    }

    [Fact]
    public void TheModelRunsOnOneThreadWithTheRecipesNormalisationAndFlipping()
    {
        OnnxFaceEmbedderOptions options = (s_openRecipe with { Flip = true }).EmbedderOptions;

        Assert.Equal(ModelInputNormalization.Symmetric, options.Normalization);
        Assert.True(options.FlipTestTimeAugmentation);
        Assert.Equal(1, options.IntraOpThreads);
    }
}
