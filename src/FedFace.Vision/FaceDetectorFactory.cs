using System.Security.Cryptography;

namespace FedFace.Vision;

public enum DetectorKind { YuNet, Haar }

/// <summary>Which detector to build and how. Validate with <see cref="Problems"/> before use.</summary>
public sealed record DetectorOptions
{
    /// <summary>Where Debian's <c>opencv-data</c> puts the Haar cascades.</summary>
    public const string DebianCascadeDirectory = "/usr/share/opencv4/haarcascades";

    public DetectorKind Kind { get; init; } = DetectorKind.YuNet;
    /// <summary>The YuNet ONNX model (<c>face_detection_yunet_2023mar.onnx</c>); needed for <see cref="DetectorKind.YuNet"/>.</summary>
    public string YuNetModelPath { get; init; } = "";
    /// <summary>Folder holding <c>haarcascade_frontalface_default.xml</c> and <c>haarcascade_eye.xml</c>.</summary>
    public string CascadeDirectory { get; init; } = DebianCascadeDirectory;
    /// <summary>Faces scoring below this are not reported (YuNet's confidence; Haar: 1 with both eyes found, 0.7 with eyes guessed from the box).</summary>
    public float ScoreThreshold { get; init; } = 0.6f;
    /// <summary>Images larger than this are detected on a shrunk copy (see <see cref="YuNetFaceDetector"/>).</summary>
    public int MaxDetectionSide { get; init; } = 640;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Kind == DetectorKind.YuNet && !File.Exists(YuNetModelPath))
        {
            problems.Add($"YuNet model '{YuNetModelPath}' does not exist (face_detection_yunet_2023mar.onnx; or use the haar detector)");
        }
        if (Kind == DetectorKind.Haar)
        {
            problems.AddRange(HaarFaceDetector.CascadeFiles.Select(name => Path.Combine(CascadeDirectory, name))
                .Where(path => !File.Exists(path))
                .Select(path => $"Haar cascade '{path}' does not exist (Debian: apt-get install opencv-data)"));
        }
        if (ScoreThreshold is < 0 or > 1)
        {
            problems.Add($"detector score threshold must be in [0, 1], got {ScoreThreshold}");
        }
        if (MaxDetectionSide < 32)
        {
            problems.Add($"maximum detection side must be at least 32 pixels, got {MaxDetectionSide}");
        }
        return problems;
    }

    /// <summary>
    /// Everything about this detector that changes its output, as text: kind, thresholds and the model's
    /// SHA-256 (so replacing the model file invalidates cached alignments, whatever its name).
    /// </summary>
    public string Fingerprint() => Kind switch
    {
        DetectorKind.YuNet => $"yunet model-sha256={FileSha256(YuNetModelPath)} score={ScoreThreshold:R} max-side={MaxDetectionSide}",
        DetectorKind.Haar => $"haar {string.Join(' ', HaarFaceDetector.CascadeFiles.Select(name => $"{name}-sha256={FileSha256(Path.Combine(CascadeDirectory, name))}"))} score={ScoreThreshold:R} max-side={MaxDetectionSide}",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    private static string FileSha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>Builds detectors from <see cref="DetectorOptions"/>: one per worker, since detectors are not thread-safe.</summary>
public static class FaceDetectorFactory
{
    /// <exception cref="ArgumentException">when <paramref name="options"/> has problems (all of them are named).</exception>
    public static IFaceDetector Create(DetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        return options.Kind switch
        {
            DetectorKind.YuNet => new YuNetFaceDetector(options.YuNetModelPath, options.ScoreThreshold, maxDetectionSide: options.MaxDetectionSide),
            DetectorKind.Haar => new HaarFaceDetector(options.CascadeDirectory, options.ScoreThreshold, options.MaxDetectionSide),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown detector kind"),
        };
    }

    /// <summary>Parses "yunet" or "haar" (any case).</summary>
    public static DetectorKind ParseKind(string name) =>
        Enum.TryParse(name, ignoreCase: true, out DetectorKind kind) && Enum.IsDefined(kind)
            ? kind
            : throw new ArgumentException($"unknown detector '{name}'; use yunet or haar", nameof(name));
}
