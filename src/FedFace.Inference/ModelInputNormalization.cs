using System.Numerics.Tensors;

namespace FedFace.Inference;

/// <summary>
/// How a model wants its pixels scaled: (x / 255 − mean) / std per R, G, B channel. Faces arrive as
/// FedFace.Vision's <c>FaceTensor</c> writes them, (x − 127.5) / 127.5, which is <see cref="Symmetric"/>; for any
/// other normalisation the embedder re-maps each channel with one multiply-add before inference.
/// </summary>
public sealed record ModelInputNormalization
{
    public ModelInputNormalization(string name, (float R, float G, float B) mean, (float R, float G, float B) std)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!(std.R > 0 && std.G > 0 && std.B > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(std), std, "every channel's standard deviation must be positive");
        }
        Name = name;
        Mean = mean;
        Std = std;
    }

    public string Name { get; }

    public (float R, float G, float B) Mean { get; }

    public (float R, float G, float B) Std { get; }

    /// <summary>(x − 127.5) / 127.5: the InsightFace convention, and FaceTensor's own.</summary>
    public static ModelInputNormalization Symmetric { get; } = new("symmetric", (0.5f, 0.5f, 0.5f), (0.5f, 0.5f, 0.5f));

    /// <summary>
    /// torchvision's ImageNet statistics, which foamliu/MobileFaceNet (<c>mobilefacenet_foamliu.onnx</c>) was trained
    /// with (its data_gen.py: <c>transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])</c> on RGB).
    /// </summary>
    public static ModelInputNormalization ImageNet { get; } = new("imagenet", (0.485f, 0.456f, 0.406f), (0.229f, 0.224f, 0.225f));

    internal bool IsSymmetric => Mean == Symmetric.Mean && Std == Symmetric.Std;

    /// <summary>
    /// Re-maps consecutive CHW faces of <paramref name="planeLength"/> values per channel from FaceTensor's scaling,
    /// (x − 127.5) / 127.5, to this one, in place: how a trainer or evaluator feeds a model of another normalisation.
    /// </summary>
    public void RemapFromSymmetric(Span<float> faces, int planeLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeLength);
        int faceLength = 3 * planeLength;
        if (faces.Length % faceLength != 0)
        {
            throw new ArgumentException($"{faces.Length} values are not a whole number of 3x{planeLength} faces", nameof(faces));
        }
        for (int start = 0; start < faces.Length; start += faceLength)
        {
            ApplyTo(faces.Slice(start, faceLength), planeLength);
        }
    }

    /// <summary>"symmetric" or "imagenet" (case-insensitive).</summary>
    public static ModelInputNormalization Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "symmetric" => Symmetric,
        "imagenet" => ImageNet,
        _ => throw new ArgumentException($"unknown input normalisation '{name}'; choose symmetric or imagenet", nameof(name)),
    };

    /// <summary>Re-maps one CHW face from FaceTensor's scaling to this one, in place.</summary>
    internal void ApplyTo(Span<float> face, int planeLength)
    {
        if (IsSymmetric)
        {
            return;
        }
        // x/255 = (t + 1) / 2 for t = (x − 127.5) / 127.5, so (x/255 − mean) / std = t · 0.5/std + (0.5 − mean)/std.
        ReadOnlySpan<(float Mean, float Std)> channels = [(Mean.R, Std.R), (Mean.G, Std.G), (Mean.B, Std.B)];
        for (int c = 0; c < channels.Length; c++)
        {
            Span<float> plane = face.Slice(c * planeLength, planeLength);
            (float mean, float std) = channels[c];
            TensorPrimitives.Multiply(plane, 0.5f / std, plane);
            TensorPrimitives.Add(plane, (0.5f - mean) / std, plane);
        }
    }

    public override string ToString() => Name;
}
