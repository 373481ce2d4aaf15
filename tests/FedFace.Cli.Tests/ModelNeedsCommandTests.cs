using System.Text.Json;
using FedFace.Core;
using FedFace.Recognition;

namespace FedFace.Cli.Tests;

/// <summary>
/// A model carries what it needs (normalisation, verification threshold) in its metadata, or is known by its hash, so
/// leaving a flag out cannot mismatch it; a model that says nothing must be told.
/// </summary>
public sealed class ModelNeedsCommandTests : IDisposable
{
    private readonly PhotoFolder _photos = new();
    private string GalleryPath => _photos.PathOf("gallery.ffg");

    public ModelNeedsCommandTests()
    {
        _photos.AddLfw("site", "Colin_Powell", 1, 2);
        _photos.AddLfw("site", "Tony_Blair", 1, 2);
    }

    private CliRun Enroll(params string[] options) => Fedface.Run(["enroll", _photos.PathOf("site"), "--gallery", GalleryPath, .. options]);

    private string GalleryNormalization()
    {
        using JsonDocument recipe = JsonDocument.Parse(File.ReadAllText(GalleryRecipe.PathFor(GalleryPath)));
        return recipe.RootElement.GetProperty("Normalization").GetString()!;
    }

    [Fact]
    public void LeavingNormalizationOutUsesWhatTheKnownPretrainedModelNeeds()
    {
        CliRun run = Enroll("--model", Fedface.Model, "--detector-model", Fedface.Detector);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("imagenet", GalleryNormalization());
    }

    [Fact]
    public void ANormalizationThatContradictsTheModelIsRefusedInOneLine()
    {
        CliRun run = Enroll("--model", Fedface.Model, "--detector-model", Fedface.Detector, "--normalization", "symmetric");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fedface enroll: error: mobilefacenet_foamliu.onnx needs imagenet normalisation (FedFace's table of known models), but symmetric "
            + "was asked for (by --normalization or a gallery's recipe): leave --normalization out, or re-enrol the gallery with --replace\n", run.Error);
        Assert.False(File.Exists(GalleryPath));
    }

    [Fact]
    public void AModelThatSaysNothingNeedsTheNormalizationGiven()
    {
        string unknown = ModelFiles.PretrainedWith(_photos, "unknown.onnx", ("note", "a model FedFace has no record of"));

        CliRun run = Enroll("--model", unknown, "--detector-model", Fedface.Detector);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("fedface enroll: error: unknown.onnx does not say how it wants its pixels", run.Error, StringComparison.Ordinal);
        Assert.Contains("give --normalization symmetric or imagenet", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentifyTakesItsThresholdFromTheModelsMetadata()
    {
        string stamped = ModelFiles.PretrainedWith(_photos, "stamped.onnx",
            (ModelCard.NormalizationKey, "imagenet"), (ModelCard.ThresholdKey, "0.5"), (ModelCard.ThresholdSourceKey, "LFW 10-fold, FAR 1e-3, 6,000 pairs"));
        Assert.True(Enroll("--model", stamped, "--detector-model", Fedface.Detector).ExitCode == 0);
        string probe = _photos.AddLfw("probes", "Tony_Blair", 3)[0];

        CliRun run = Fedface.Run("identify", probe, "--gallery", GalleryPath, "--model", stamped, "--detector-model", Fedface.Detector);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("imagenet", GalleryNormalization());
        Assert.Contains("threshold 0.500 (the model's: LFW 10-fold, FAR 1e-3, 6,000 pairs; from its metadata)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentifyWithAModelWithoutAThresholdNeedsOneGiven()
    {
        string unknown = ModelFiles.PretrainedWith(_photos, "unknown.onnx", ("note", "a model FedFace has no record of"));
        Assert.True(Enroll("--model", unknown, "--detector-model", Fedface.Detector, "--normalization", "imagenet").ExitCode == 0);
        string probe = _photos.AddLfw("probes", "Tony_Blair", 3)[0];

        CliRun run = Fedface.Run("identify", probe, "--gallery", GalleryPath, "--model", unknown, "--detector-model", Fedface.Detector);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("fedface identify: unknown.onnx has no verification threshold on record", run.Error, StringComparison.Ordinal);
        Assert.Contains("give --threshold T", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _photos.Dispose();
}
