namespace FedFace.Vision;

/// <summary>
/// How <see cref="FaceAlignmentPipeline"/> turns detections into kept faces: which face of several, the
/// minimum face size, the crop size and the quality gate.
/// </summary>
public sealed record FacePipelineSettings
{
    /// <summary>
    /// Bumped whenever decoding, selection, alignment or the quality measures change what they produce,
    /// so cached alignments made by older code are not reused.
    /// </summary>
    public const int AlgorithmVersion = 2;

    public FaceSelectionPolicy Policy { get; init; } = FaceSelectionPolicy.Largest;
    /// <summary>Faces whose box is smaller than this on its shorter side are passed over, and a photo with only such faces is rejected as too small.</summary>
    public float MinFaceSidePixels { get; init; } = 32;
    public AlignmentTemplate Template { get; init; } = AlignmentTemplate.ArcFace112;
    public QualityOptions Quality { get; init; } = new();

    /// <summary>Largest face, any size, no quality gate: the behaviour of evaluation protocols that score every image.</summary>
    public static FacePipelineSettings Ungated { get; } = new() { MinFaceSidePixels = 0, Quality = QualityOptions.AcceptAll };

    /// <summary>
    /// What a cached alignment depends on: the detector, these settings except the quality thresholds
    /// (measures are cached and the gate re-applied on every read, so changing a threshold costs no
    /// detection), the least share of a face inside the photo (it decides which of several faces is chosen)
    /// and <see cref="AlgorithmVersion"/>.
    /// </summary>
    public string CacheFingerprint(string detectorFingerprint) =>
        $"fedface-align v{AlgorithmVersion}; detector: {detectorFingerprint}; policy={Policy}; min-face={MinFaceSidePixels:R}; template={Template.Name}; min-inside={Quality.MinInsideFraction:R}";

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>(Quality.Problems());
        if (!(MinFaceSidePixels >= 0))
        {
            problems.Add($"minimum face size must be non-negative, got {MinFaceSidePixels}");
        }
        return problems;
    }
}
