using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Draws a surgical-style face mask over the lower face: a filled polygon from just above the nose tip
/// down past the chin and out to the cheeks, placed from the five landmarks, with a few darker pleats.
/// Usable on its own (mask one image of a verification pair) or through <see cref="FaceAugmenter"/>.
/// </summary>
public static class SyntheticMask
{
    /// <summary>BGR colours of common masks: surgical blue, light blue, white, black.</summary>
    public static IReadOnlyList<Scalar> Colours { get; } =
    [
        new Scalar(205, 160, 95),
        new Scalar(235, 210, 170),
        new Scalar(238, 238, 238),
        new Scalar(45, 45, 45),
    ];

    // The outline in a face frame: origin at the eyes' midpoint, x along the eye line, y down, unit = eye
    // distance. Top edge relative to the nose tip, the rest relative to the mouth; proportions of an
    // average adult face (cheeks ~1 eye distance out from the midline, chin ~0.65 below the mouth).
    private static readonly (float X, float FromNose)[] TopEdge = [(-1.0f, 0.0f), (-0.45f, -0.12f), (0f, -0.16f), (0.45f, -0.12f), (1.0f, 0.0f)];
    private static readonly (float X, float FromMouth)[] LowerEdge =
        [(0.97f, 0f), (0.7f, 0.4f), (0.32f, 0.6f), (0f, 0.65f), (-0.32f, 0.6f), (-0.7f, 0.4f), (-0.97f, 0f)];

    /// <summary>Masks the lower face of an aligned crop in place, taking the landmarks from its template.</summary>
    public static void ApplyToAligned(Mat alignedBgr, AlignmentTemplate template, Scalar colour)
    {
        ArgumentNullException.ThrowIfNull(template);
        Apply(alignedBgr, template.Points, colour);
    }

    /// <summary>Masks the lower face in place, wherever the five <paramref name="landmarks"/> put it.</summary>
    public static void Apply(Mat bgrImage, IReadOnlyList<(float X, float Y)> landmarks, Scalar colour)
    {
        ArgumentNullException.ThrowIfNull(bgrImage);
        Point[] outline = Outline(landmarks);
        Cv2.FillPoly(bgrImage, [outline], colour, LineTypes.AntiAlias);
        // Horizontal pleats, a little darker, so the mask reads as fabric rather than a flat patch.
        var pleat = new Scalar(colour.Val0 * 0.8, colour.Val1 * 0.8, colour.Val2 * 0.8);
        var frame = new FaceFrame(landmarks);
        int thickness = Math.Max(1, (int)Math.Round(frame.EyeDistance / 30));
        foreach (float depth in new[] { 0.25f, 0.5f, 0.75f })
        {
            float y = frame.NoseY + depth * (frame.MouthY + 0.45f - frame.NoseY);
            Cv2.Line(bgrImage, frame.ToImage(-0.8f, y), frame.ToImage(0.8f, y), pleat, thickness, LineTypes.AntiAlias);
        }
    }

    /// <summary>The mask's outline in image pixels for these landmarks.</summary>
    public static Point[] Outline(IReadOnlyList<(float X, float Y)> landmarks)
    {
        var frame = new FaceFrame(landmarks);
        return
        [
            .. TopEdge.Select(p => frame.ToImage(p.X, frame.NoseY + p.FromNose)),
            .. LowerEdge.Select(p => frame.ToImage(p.X, frame.MouthY + p.FromMouth)),
        ];
    }

    /// <summary>Coordinates relative to the eyes: origin between them, x along the eye line, unit = eye distance.</summary>
    private readonly struct FaceFrame
    {
        private readonly float _originX, _originY, _ux, _uy;

        public FaceFrame(IReadOnlyList<(float X, float Y)> landmarks)
        {
            ArgumentNullException.ThrowIfNull(landmarks);
            if (landmarks.Count != 5)
            {
                throw new ArgumentException($"expected 5 landmarks, got {landmarks.Count}", nameof(landmarks));
            }
            (float X, float Y) right = landmarks[0], left = landmarks[1];
            _originX = (right.X + left.X) / 2;
            _originY = (right.Y + left.Y) / 2;
            _ux = left.X - right.X;
            _uy = left.Y - right.Y;
            EyeDistance = MathF.Sqrt(_ux * _ux + _uy * _uy);
            if (!(EyeDistance > 1e-3f))
            {
                throw new ArgumentException("the eyes are at one point", nameof(landmarks));
            }
            NoseY = Down(landmarks[2]);
            MouthY = (Down(landmarks[3]) + Down(landmarks[4])) / 2;
        }

        public float EyeDistance { get; }
        public float NoseY { get; }
        public float MouthY { get; }

        // (x, y) in the frame → image: origin + x·u + y·n, where u is the eye vector and n = u turned 90° (pointing down).
        public Point ToImage(float x, float y) =>
            new((int)Math.Round(_originX + x * _ux - y * _uy), (int)Math.Round(_originY + x * _uy + y * _ux));

        private float Down((float X, float Y) p) => ((p.X - _originX) * -_uy + (p.Y - _originY) * _ux) / (EyeDistance * EyeDistance);
    }
}
