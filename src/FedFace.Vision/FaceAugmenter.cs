using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>Ranges and probabilities of the training augmentations. Defaults follow common face-recognition practice.</summary>
public sealed record AugmentationOptions
{
    public float FlipProbability { get; init; } = 0.5f;
    /// <summary>Rotation drawn uniformly in ±this.</summary>
    public float MaxRotationDegrees { get; init; } = 15f;
    public float MinScale { get; init; } = 0.8f;
    public float MaxScale { get; init; } = 1.2f;
    /// <summary>Brightness factor drawn uniformly in 1 ± this (0.3 = ±30%).</summary>
    public float MaxBrightnessChange { get; init; } = 0.3f;
    public float OcclusionProbability { get; init; } = 0.2f;
    /// <summary>The occluding rectangle's sides are drawn between 15% and this fraction of the crop's sides.</summary>
    public float MaxOcclusionFraction { get; init; } = 0.4f;
    public float MaskProbability { get; init; } = 0.1f;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach ((string name, float p) in new[] { ("FlipProbability", FlipProbability), ("OcclusionProbability", OcclusionProbability), ("MaskProbability", MaskProbability) })
        {
            if (p is < 0 or > 1)
            {
                problems.Add($"augmentation: {name} must be in [0, 1], got {p}");
            }
        }
        if (!(MinScale > 0 && MinScale <= MaxScale))
        {
            problems.Add($"augmentation: need 0 < MinScale ≤ MaxScale, got {MinScale} and {MaxScale}");
        }
        if (MaxRotationDegrees is < 0 or > 180 || MaxBrightnessChange is < 0 or > 1 || MaxOcclusionFraction is < 0.15f or > 1)
        {
            problems.Add("augmentation: MaxRotationDegrees must be in [0, 180], MaxBrightnessChange in [0, 1], MaxOcclusionFraction in [0.15, 1]");
        }
        return problems;
    }
}

/// <summary>
/// One sample's concrete augmentation, drawn by <see cref="FaceAugmenter.Draw"/>. The occlusion rectangle
/// is in fractions of the crop's width and height, so a draw applies to any crop size.
/// </summary>
public sealed record AugmentationDraw(
    bool Flip,
    float RotationDegrees,
    float Scale,
    float BrightnessFactor,
    (float X, float Y, float Width, float Height)? Occlusion,
    byte OcclusionGrey,
    Scalar? MaskColour);

/// <summary>
/// Training augmentation of aligned crops: horizontal flip, rotation, scale, brightness, a random
/// occluding rectangle and a synthetic face mask. Deterministic: a sample's augmentation depends only on
/// (seed, sample index) through its own <see cref="SeededRandom"/>, so parallel workers, thread
/// scheduling and the order samples are visited in change nothing. Thread-safe.
/// </summary>
/// <remarks>
/// Works on the aligned 8-bit BGR crop (a <see cref="Mat"/>), before <see cref="FaceTensor"/>
/// normalisation: geometric warps interpolate 8-bit pixels as the alignment itself does, the mask is
/// placed from the template's landmarks (which only hold before the crop is moved), and the result
/// stays 8-bit, as a photograph would be. The mask is drawn first so it turns and shrinks with the face;
/// the occluding rectangle comes last, since it stands for something in front of the camera.
/// </remarks>
public sealed class FaceAugmenter
{
    private readonly AugmentationOptions _options;

    public FaceAugmenter(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        _options = options;
    }

    /// <summary>The augmentation of sample <paramref name="sampleIndex"/> under <paramref name="seed"/>; use a new index (or seed) per epoch for fresh draws.</summary>
    public AugmentationDraw Draw(int seed, long sampleIndex)
    {
        SeededRandom random = SeededRandom.ForSample(seed, sampleIndex);
        // Every number is drawn whatever the options say, so changing one probability does not shift the others.
        bool flip = random.Chance(_options.FlipProbability);
        float rotation = random.Uniform(-_options.MaxRotationDegrees, _options.MaxRotationDegrees);
        float scale = random.Uniform(_options.MinScale, _options.MaxScale);
        float brightness = 1 + random.Uniform(-_options.MaxBrightnessChange, _options.MaxBrightnessChange);
        bool occlude = random.Chance(_options.OcclusionProbability);
        float width = random.Uniform(0.15f, _options.MaxOcclusionFraction), height = random.Uniform(0.15f, _options.MaxOcclusionFraction);
        float x = random.Uniform(0, 1 - width), y = random.Uniform(0, 1 - height);
        byte grey = (byte)random.NextIndex(256);
        bool mask = random.Chance(_options.MaskProbability);
        Scalar colour = SyntheticMask.Colours[random.NextIndex(SyntheticMask.Colours.Count)];
        return new AugmentationDraw(flip, rotation, scale, brightness, occlude ? (x, y, width, height) : null, grey, mask ? colour : null);
    }

    /// <summary>Draws and applies in one step: a new augmented crop; the caller disposes it.</summary>
    public Mat Augment(Mat alignedBgr, AlignmentTemplate template, int seed, long sampleIndex) =>
        Apply(alignedBgr, template, Draw(seed, sampleIndex));

    /// <summary>A new crop with <paramref name="draw"/> applied to <paramref name="alignedBgr"/> (left unchanged).</summary>
    public static Mat Apply(Mat alignedBgr, AlignmentTemplate template, AugmentationDraw draw)
    {
        ArgumentNullException.ThrowIfNull(alignedBgr);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(draw);
        if (alignedBgr.Type() != MatType.CV_8UC3 || alignedBgr.Width != template.Width || alignedBgr.Height != template.Height)
        {
            throw new ArgumentException($"expected a {template.Width}x{template.Height} CV_8UC3 crop, got {alignedBgr.Type()} {alignedBgr.Width}x{alignedBgr.Height}", nameof(alignedBgr));
        }
        using Mat source = alignedBgr.Clone();
        if (draw.MaskColour is Scalar colour)
        {
            SyntheticMask.ApplyToAligned(source, template, colour);
        }

        // Rotation and scale about the crop centre, after an optional mirror: one warp, one interpolation.
        var centre = new Point2f(template.Width / 2f, template.Height / 2f);
        using Mat rotation = Cv2.GetRotationMatrix2D(centre, draw.RotationDegrees, draw.Scale);
        double[,] m = { { rotation.At<double>(0, 0), rotation.At<double>(0, 1), rotation.At<double>(0, 2) }, { rotation.At<double>(1, 0), rotation.At<double>(1, 1), rotation.At<double>(1, 2) } };
        if (draw.Flip)
        {
            // x ↦ (w − 1) − x first: negate the x column and move the offset accordingly.
            for (int r = 0; r < 2; r++)
            {
                m[r, 2] += m[r, 0] * (template.Width - 1);
                m[r, 0] = -m[r, 0];
            }
        }
        using Mat transform = Mat.FromArray(m);
        var result = new Mat();
        Cv2.WarpAffine(source, result, transform, new Size(template.Width, template.Height), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));

        if (Math.Abs(draw.BrightnessFactor - 1) > 1e-6)
        {
            result.ConvertTo(result, MatType.CV_8UC3, draw.BrightnessFactor); // saturates at 0 and 255
        }
        if (draw.Occlusion is var (x, y, w, h))
        {
            var rect = new Rect((int)(x * template.Width), (int)(y * template.Height), Math.Max(1, (int)(w * template.Width)), Math.Max(1, (int)(h * template.Height)));
            Cv2.Rectangle(result, rect, Scalar.All(draw.OcclusionGrey), thickness: -1);
        }
        return result;
    }
}
