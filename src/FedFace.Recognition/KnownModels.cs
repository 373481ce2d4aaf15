using FedFace.Core;
using FedFace.Inference;

namespace FedFace.Recognition;

/// <summary>What a model needs (<see cref="ModelCard"/>) and where that was read: the file's metadata or <see cref="KnownModels"/>.</summary>
public sealed record ModelNeeds(ModelCard Card, string Source)
{
    public ModelInputNormalization Normalization => ModelInputNormalization.Parse(Card.Normalization);

    /// <summary>
    /// The normalisation to run the model with: what it needs; <paramref name="asked"/> (a flag, or a gallery's recipe)
    /// only for a model that says nothing, and refused when it contradicts what the model needs.
    /// </summary>
    /// <param name="overrides">take <paramref name="asked"/> even against the model (<see cref="EmbeddingRecipe.OverridesModelNeeds"/>).</param>
    /// <exception cref="ArgumentException">nothing says the normalisation, or <paramref name="asked"/> contradicts the model.</exception>
    public static ModelInputNormalization ResolveNormalization(ModelNeeds? needs, ModelInputNormalization? asked, string modelName, bool overrides = false)
    {
        if (needs is null)
        {
            return asked ?? throw new ArgumentException($"{modelName} does not say how it wants its pixels (no {ModelCard.NormalizationKey} "
                + "in its metadata, and not a known model): give --normalization symmetric or imagenet");
        }
        ModelInputNormalization needed = needs.Normalization;
        if (asked is not null && asked != needed && !overrides)
        {
            throw new ArgumentException($"{modelName} needs {needed} normalisation ({needs.Source}), but {asked} was asked for "
                + "(by --normalization or a gallery's recipe): leave --normalization out, or re-enrol the gallery with --replace");
        }
        return asked ?? needed;
    }
}

/// <summary>
/// Models whose files do not say what they need, recognised by their SHA-256: the shared pretrained model, which was
/// trained with ImageNet-style input and whose threshold was measured with it.
/// </summary>
public static class KnownModels
{
    public const string Source = "FedFace's table of known models";
    public const string MetadataSource = "its metadata";

    private static readonly Dictionary<string, ModelCard> s_bySha256 = new(StringComparer.OrdinalIgnoreCase)
    {
        [PretrainedMobileFaceNet.Sha256] = PretrainedMobileFaceNet.Card,
    };

    public static ModelCard? BySha256(string sha256) => s_bySha256.GetValueOrDefault(sha256);

    /// <summary>The model file's own card, else the table's for its SHA-256; null when neither says anything.</summary>
    /// <exception cref="InvalidDataException">the file is not a loadable ONNX model, or its metadata is malformed.</exception>
    public static ModelNeeds? Of(string modelPath, string sha256)
    {
        ModelCard? own = ModelCard.FromMetadata(OnnxModelMetadata.Read(modelPath));
        return own is not null ? new ModelNeeds(own, MetadataSource)
            : BySha256(sha256) is { } known ? new ModelNeeds(known, Source)
            : null;
    }
}
