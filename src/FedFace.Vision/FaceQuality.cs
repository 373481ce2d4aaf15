using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>Why an aligned face was not kept.</summary>
public enum RejectionReason { TooSmall, TooDark, TooBright, TooBlurred, ExtremePose }

/// <summary>
/// What the quality gate looks at, measured once per face (and cached), so thresholds can change without
/// re-detecting anything.
/// </summary>
/// <param name="FaceSidePixels">The shorter side of the detector's box, in source-image pixels.</param>
/// <param name="Sharpness">Variance of the Laplacian of the grey face region at the 112 template's scale.</param>
/// <param name="MeanLuminance">Mean grey level (0–255) of the face region.</param>
/// <param name="Yaw">Nose-tip offset along the eye line from the eyes' midpoint, in eye distances (0 frontal, ± turned).</param>
/// <param name="RollDegrees">Angle of the eye line against the horizontal.</param>
public readonly record struct QualityMeasures(float FaceSidePixels, float Sharpness, float MeanLuminance, float Yaw, float RollDegrees);

/// <summary>
/// Thresholds of the quality gate, with defaults that catch what a branch photo folder holds (heavy
/// blur, under- and over-exposure, near-profiles) yet keep 99.9% of the LFW pair images.
/// </summary>
/// <remarks>
/// Measured with YuNet over the 7,701 distinct images of <c>lfw-pairs.txt</c> (112 crops): sharpness
/// ranged 16.0–2,119 (0.1% quantile 23.1), mean luminance 42.8–209.5, |roll| up to 26.5°, |yaw| had
/// its 99.9% quantile at 0.85 and six images above 1.0 (near-profiles). With these defaults the gate
/// rejects exactly those six (99.92% kept). A yaw proxy of 1.0 is roughly a 60° turn: the nose tip
/// sits about 0.6 eye distances in front of the eyes, so the proxy grows like 0.6·tan(yaw).
/// </remarks>
public sealed record QualityOptions
{
    public float MinSharpness { get; init; } = 15f;
    public float MinMeanLuminance { get; init; } = 35f;
    public float MaxMeanLuminance { get; init; } = 225f;
    public float MaxAbsYaw { get; init; } = 1.0f;
    public float MaxAbsRollDegrees { get; init; } = 45f;

    /// <summary>A gate that lets every face through (evaluation protocols score every pair).</summary>
    public static QualityOptions AcceptAll { get; } = new()
    {
        MinSharpness = 0, MinMeanLuminance = 0, MaxMeanLuminance = 255, MaxAbsYaw = float.PositiveInfinity, MaxAbsRollDegrees = 180,
    };

    /// <summary>The first rule <paramref name="measures"/> break, in the order exposure, sharpness, pose; null when none.</summary>
    /// <remarks>Exposure comes before sharpness because a dark face also has little Laplacian variance.</remarks>
    public RejectionReason? Judge(QualityMeasures measures) => measures switch
    {
        _ when measures.MeanLuminance < MinMeanLuminance => RejectionReason.TooDark,
        _ when measures.MeanLuminance > MaxMeanLuminance => RejectionReason.TooBright,
        _ when measures.Sharpness < MinSharpness => RejectionReason.TooBlurred,
        _ when Math.Abs(measures.Yaw) > MaxAbsYaw || Math.Abs(measures.RollDegrees) > MaxAbsRollDegrees => RejectionReason.ExtremePose,
        _ => null,
    };

    /// <summary>A reason with the measure and threshold behind it, for logs and reports.</summary>
    public string Explain(RejectionReason reason, QualityMeasures measures, float minFaceSidePixels) => reason switch
    {
        RejectionReason.TooSmall => $"face too small ({measures.FaceSidePixels:F0} px < {minFaceSidePixels:F0} px)",
        RejectionReason.TooDark => $"too dark (mean luminance {measures.MeanLuminance:F0} < {MinMeanLuminance:F0})",
        RejectionReason.TooBright => $"too bright (mean luminance {measures.MeanLuminance:F0} > {MaxMeanLuminance:F0})",
        RejectionReason.TooBlurred => $"too blurred (sharpness {measures.Sharpness:F1} < {MinSharpness:F1})",
        RejectionReason.ExtremePose => $"extreme pose (yaw {measures.Yaw:F2}, roll {measures.RollDegrees:F0}°; limits ±{MaxAbsYaw:F2}, ±{MaxAbsRollDegrees:F0}°)",
        _ => reason.ToString(),
    };

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(MinMeanLuminance <= MaxMeanLuminance))
        {
            problems.Add($"quality: minimum luminance {MinMeanLuminance} is above the maximum {MaxMeanLuminance}");
        }
        if (!(MinSharpness >= 0) || !(MaxAbsYaw >= 0) || !(MaxAbsRollDegrees >= 0))
        {
            problems.Add("quality: sharpness, yaw and roll limits must be non-negative");
        }
        return problems;
    }
}

/// <summary>Measures what <see cref="QualityOptions"/> judges.</summary>
public static class FaceQuality
{
    /// <summary>
    /// Measures a face from its detection (size, pose from the landmarks) and its aligned crop (sharpness
    /// and exposure of the region from the brows to below the mouth, so background and the warp's black
    /// border do not count). The region is resampled to the 112 template's scale first, so one sharpness
    /// threshold serves every crop size.
    /// </summary>
    public static QualityMeasures Measure(FaceDetection face, Mat alignedBgr, AlignmentTemplate template)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(alignedBgr);
        ArgumentNullException.ThrowIfNull(template);
        (float sharpness, float luminance) = MeasureRegion(alignedBgr, template);
        (float yaw, float roll) = Pose(face.Landmarks);
        return new QualityMeasures(Math.Min(face.Width, face.Height), sharpness, luminance, yaw, roll);
    }

    /// <summary>Yaw proxy and roll in degrees from the five landmarks (see <see cref="QualityMeasures"/>).</summary>
    public static (float Yaw, float RollDegrees) Pose(IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        (float X, float Y) right = landmarks[0], left = landmarks[1], nose = landmarks[2];
        double dx = left.X - right.X, dy = left.Y - right.Y;
        double eyeDistance = Math.Sqrt(dx * dx + dy * dy);
        if (!(eyeDistance > 1e-3))
        {
            return (float.PositiveInfinity, 0); // eyes on top of each other: no frontal face looks like that
        }
        double midX = (left.X + right.X) / 2, midY = (left.Y + right.Y) / 2;
        double along = ((nose.X - midX) * dx + (nose.Y - midY) * dy) / eyeDistance;
        return ((float)(along / eyeDistance), (float)(Math.Atan2(dy, dx) * 180 / Math.PI));
    }

    private static (float Sharpness, float MeanLuminance) MeasureRegion(Mat alignedBgr, AlignmentTemplate template)
    {
        if (alignedBgr.Type() != MatType.CV_8UC3 || alignedBgr.Width != template.Width || alignedBgr.Height != template.Height)
        {
            throw new ArgumentException($"expected a {template.Width}x{template.Height} CV_8UC3 crop, got {alignedBgr.Type()} {alignedBgr.Width}x{alignedBgr.Height}", nameof(alignedBgr));
        }
        // The face region in 112-template pixels (brows to chin-top, cheek to cheek), scaled to this template.
        var reference = AlignmentTemplate.ArcFace112;
        float scale = EyeDistance(template) / EyeDistance(reference);
        float offsetX = template.Points[0].X - reference.Points[0].X * scale, offsetY = template.Points[0].Y - reference.Points[0].Y * scale;
        Rect region = Rect.FromLTRB(
            (int)Math.Round(FaceRegionLeft * scale + offsetX), (int)Math.Round(FaceRegionTop * scale + offsetY),
            (int)Math.Round(FaceRegionRight * scale + offsetX), (int)Math.Round(FaceRegionBottom * scale + offsetY));
        region = region.Intersect(new Rect(0, 0, alignedBgr.Width, alignedBgr.Height));

        using var colour = new Mat(alignedBgr, region);
        using var grey = new Mat();
        Cv2.CvtColor(colour, grey, ColorConversionCodes.BGR2GRAY);
        if (Math.Abs(scale - 1) > 1e-3)
        {
            Cv2.Resize(grey, grey, new Size(FaceRegionRight - FaceRegionLeft, FaceRegionBottom - FaceRegionTop), interpolation: InterpolationFlags.Area);
        }
        using var laplacian = new Mat();
        Cv2.Laplacian(grey, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out Scalar deviation);
        return ((float)(deviation.Val0 * deviation.Val0), (float)Cv2.Mean(grey).Val0);
    }

    // In the 112 template: eyes at y≈51.6, mouth at y≈92.3, eye distance ≈35.2.
    private const int FaceRegionLeft = 28, FaceRegionRight = 84, FaceRegionTop = 38, FaceRegionBottom = 104;

    private static float EyeDistance(AlignmentTemplate template) =>
        MathF.Sqrt(MathF.Pow(template.Points[1].X - template.Points[0].X, 2) + MathF.Pow(template.Points[1].Y - template.Points[0].Y, 2));
}
