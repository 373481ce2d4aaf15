using System.Globalization;

namespace FedFace.Core;

/// <summary>
/// What a face-embedding model needs in order to be used right, carried in its ONNX file's <c>metadata_props</c> so a
/// user cannot mismatch it by leaving a flag out: the input normalisation it was trained with ("symmetric" or
/// "imagenet"), and, once it has been measured, the cosine threshold for verification and how it was chosen.
/// </summary>
public sealed record ModelCard(string Normalization, float? VerificationThreshold = null, string? ThresholdSource = null)
{
    public const string NormalizationKey = "fedface.normalization";
    public const string ThresholdKey = "fedface.verification_threshold";
    public const string ThresholdSourceKey = "fedface.threshold_source";

    /// <summary>The metadata entries that say this card: normalisation always, the threshold and its source when known.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToMetadata() =>
    [
        new(NormalizationKey, Normalization),
        .. VerificationThreshold is { } threshold
            ? new KeyValuePair<string, string>[] { new(ThresholdKey, threshold.ToString("R", CultureInfo.InvariantCulture)), new(ThresholdSourceKey, ThresholdSource ?? "") }
            : [],
    ];

    /// <summary>The card in a model's metadata; null when it names no normalisation (a model FedFace did not stamp).</summary>
    /// <exception cref="InvalidDataException">a threshold that is not a number from −1 to 1.</exception>
    public static ModelCard? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(NormalizationKey, out string? normalization) || string.IsNullOrWhiteSpace(normalization))
        {
            return null;
        }
        float? threshold = null;
        if (metadata.TryGetValue(ThresholdKey, out string? text))
        {
            threshold = TryParseThreshold(text, out float value)
                ? value
                : throw new InvalidDataException($"metadata {ThresholdKey} '{text}' is not a cosine threshold from -1 to 1");
        }
        return new ModelCard(normalization.Trim(), threshold, metadata.GetValueOrDefault(ThresholdSourceKey));
    }

    /// <summary>A cosine threshold as the metadata and the command lines write it: an invariant-culture number from −1 to 1.</summary>
    public static bool TryParseThreshold(string? text, out float threshold) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) && threshold is >= -1 and <= 1;
}
