using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>Why an aligned face was not kept.</summary>
public enum RejectionReason { TooSmall, TooDark, TooBright, TooBlurred, ExtremePose, CutOff }

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
    /// <summary>
    /// The least share of the crop's face region that must come from inside the photo (see
    /// <see cref="FaceQuality.InsideFraction"/>): a face cut off at the image edge is mostly black padding.
    /// </summary>
    public float MinInsideFraction { get; init; } = 0.85f;

    /// <summary>A gate that lets every face through (evaluation protocols score every pair).</summary>
    public static QualityOptions AcceptAll { get; } = new()
    {
        MinSharpness = 0, MinMeanLuminance = 0, MaxMeanLuminance = 255, MaxAbsYaw = float.PositiveInfinity, MaxAbsRollDegrees = 180,
        MinInsideFraction = 0,
    };

    /// <summary>Whether a crop with <paramref name="insideFraction"/> of its face region inside the photo is cut off at the image edge.</summary>
    public bool IsCutOff(float insideFraction) => insideFraction < MinInsideFraction;

    /// <summary>
    /// <see cref="RejectionReason.CutOff"/> when the crop is cut off, else the first rule <paramref name="measures"/>
    /// break. Framing comes first because the black padding of a cut-off face also darkens and flattens it.
    /// </summary>
    public RejectionReason? Judge(QualityMeasures measures, float insideFraction) =>
        IsCutOff(insideFraction) ? RejectionReason.CutOff : Judge(measures);

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
    public string Explain(RejectionReason reason, QualityMeasures measures, float minFaceSidePixels, float insideFraction) => reason switch
    {
        RejectionReason.CutOff => $"face cut off at the image edge ({100 * insideFraction:F0}% inside < {100 * MinInsideFraction:F0}%)",
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
        if (!(MinInsideFraction is >= 0 and <= 1))
        {
            problems.Add($"quality: the least share of a face inside the photo must be from 0 to 1, got {MinInsideFraction}");
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
        (Rect region, float scale) = FaceRegion(template);
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

    /// <summary>
    /// The share of the crop's face region that came from inside the photo. The warp fills whatever lies beyond the
    /// photo's edge with exact black (0, 0, 0), which a lit face almost never is, so it is measured on the crop alone:
    /// the same whether the crop was just made or read back from the cache.
    /// </summary>
    public static float InsideFraction(AlignedFace face, AlignmentTemplate template)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(template);
        if (face.Width != template.Width || face.Height != template.Height)
        {
            throw new ArgumentException($"expected a {template.Width}x{template.Height} crop, got {face.Width}x{face.Height}", nameof(face));
        }
        (Rect region, _) = FaceRegion(template);
        ReadOnlySpan<byte> bgr = face.Bgr;
        int inside = 0;
        for (int y = region.Top; y < region.Bottom; y++)
        {
            for (int x = region.Left; x < region.Right; x++)
            {
                int at = 3 * (y * face.Width + x);
                if ((bgr[at] | bgr[at + 1] | bgr[at + 2]) != 0)
                {
                    inside++;
                }
            }
        }
        return region.Width * region.Height == 0 ? 0 : (float)inside / (region.Width * region.Height);
    }

    /// <summary>The face region (brows to chin-top, cheek to cheek) in the template's pixels, and the template's scale against the 112 one.</summary>
    private static (Rect Region, float Scale) FaceRegion(AlignmentTemplate template)
    {
        var reference = AlignmentTemplate.ArcFace112;
        float scale = EyeDistance(template) / EyeDistance(reference);
        float offsetX = template.Points[0].X - reference.Points[0].X * scale, offsetY = template.Points[0].Y - reference.Points[0].Y * scale;
        Rect region = Rect.FromLTRB(
            (int)Math.Round(FaceRegionLeft * scale + offsetX), (int)Math.Round(FaceRegionTop * scale + offsetY),
            (int)Math.Round(FaceRegionRight * scale + offsetX), (int)Math.Round(FaceRegionBottom * scale + offsetY));
        return (region.Intersect(new Rect(0, 0, template.Width, template.Height)), scale);
    }

    // In the 112 template: eyes at y≈51.6, mouth at y≈92.3, eye distance ≈35.2.
    private const int FaceRegionLeft = 28, FaceRegionRight = 84, FaceRegionTop = 38, FaceRegionBottom = 104;

    private static float EyeDistance(AlignmentTemplate template) =>
        MathF.Sqrt(MathF.Pow(template.Points[1].X - template.Points[0].X, 2) + MathF.Pow(template.Points[1].Y - template.Points[0].Y, 2));
}
