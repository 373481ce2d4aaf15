using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>
/// How a photo becomes an embedding: the detector, which face of several, the quality gate, the embedding model and
/// how it wants its pixels, test-time flipping, the cache and the workers. <see cref="FaceEmbedding.Open"/> follows it;
/// <see cref="PretrainedMobileFaceNet.Recipe"/> is the one the published LFW figures use.
/// </summary>
public sealed record EmbeddingRecipe
{
    public required string ModelPath { get; init; }
    /// <summary>
    /// Null when left open (e.g. not given on the command line): then the model decides (its metadata or
    /// <see cref="KnownModels"/>), else a gallery's recipe; <see cref="FaceEmbedding.Open"/> refuses one that contradicts the model.
    /// </summary>
    public ModelInputNormalization? Normalization { get; init; }
    /// <summary>
    /// Run with <see cref="Normalization"/> even where it contradicts what the model needs: only for measuring what
    /// the mismatch costs (the LFW benchmark's variants). The command line never sets it.
    /// </summary>
    public bool OverridesModelNeeds { get; init; }
    public bool Flip { get; init; }
    public required DetectorOptions Detector { get; init; }
    public required FacePipelineSettings Alignment { get; init; }
    public string? CacheDirectory { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// How the model runs: this normalisation (symmetric when left open) and flipping, on one ONNX Runtime thread, as
    /// parallelism comes from running the recipe's workers side by side.
    /// </summary>
    public OnnxFaceEmbedderOptions EmbedderOptions => new()
    {
        Normalization = Normalization ?? ModelInputNormalization.Symmetric,
        FlipTestTimeAugmentation = Flip,
        IntraOpThreads = 1,
    };

    /// <summary>This recipe with what it left open taken from the gallery's recipe, if there is one (still open without).</summary>
    public EmbeddingRecipe WithDefaultsFrom(GalleryRecipe? gallery) => this with
    {
        Normalization = Normalization ?? (gallery is null ? null : ModelInputNormalization.Parse(gallery.Normalization)),
        Flip = Flip || gallery?.Flip == true,
    };

    /// <summary>This recipe choosing <paramref name="policy"/> among several faces; the rest of the alignment unchanged.</summary>
    public EmbeddingRecipe WithPolicy(FaceSelectionPolicy policy) => this with { Alignment = Alignment with { Policy = policy } };

    /// <summary>"central" or "largest": the policy as <see cref="FaceSelector.ParsePolicy"/> reads it.</summary>
    public static string PolicyName(FaceSelectionPolicy policy) => policy == FaceSelectionPolicy.MostCentral ? "central" : "largest";
}
