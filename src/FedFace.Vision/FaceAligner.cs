using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Five-point similarity alignment to an <see cref="AlignmentTemplate"/> (by default InsightFace
/// <c>arcface_torch</c>'s 112x112 one).
/// </summary>
public static class FaceAligner
{
    public const int OutputSize = 112;

    /// <summary>Right eye, left eye, nose tip, right mouth corner, left mouth corner in the 112x112 crop.</summary>
    public static IReadOnlyList<(float X, float Y)> Template112 => AlignmentTemplate.ArcFace112.Points;

    /// <summary>The similarity taking <paramref name="landmarks"/> onto <see cref="Template112"/>.</summary>
    public static double[,] EstimateSimilarity(IReadOnlyList<(float X, float Y)> landmarks) =>
        EstimateSimilarity(landmarks, Template112);

    /// <summary>
    /// The 2x3 similarity (rotation, uniform scale, translation; no reflection) that maps
    /// <paramref name="from"/> onto <paramref name="to"/> with the least squared error
    /// (Umeyama 1991, which in 2-D has the closed form below).
    /// </summary>
    public static double[,] EstimateSimilarity(IReadOnlyList<(float X, float Y)> from, IReadOnlyList<(float X, float Y)> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Count != to.Count)
        {
            throw new ArgumentException($"expected {to.Count} points, got {from.Count}", nameof(from));
        }

        double n = from.Count;
        double srcMeanX = 0, srcMeanY = 0, dstMeanX = 0, dstMeanY = 0;
        for (int i = 0; i < from.Count; i++)
        {
            srcMeanX += from[i].X / n;
            srcMeanY += from[i].Y / n;
            dstMeanX += to[i].X / n;
            dstMeanY += to[i].Y / n;
        }

        // Treat centred points as complex numbers p (from) and q (to): scale·rotation is one
        // complex factor z = a + ib, and the z minimising Σ|z·p − q|² is a = Σ p·q / Σ|p|², b = Σ p×q / Σ|p|².
        double dot = 0, cross = 0, srcVariance = 0;
        for (int i = 0; i < from.Count; i++)
        {
            double sx = from[i].X - srcMeanX, sy = from[i].Y - srcMeanY;
            double dx = to[i].X - dstMeanX, dy = to[i].Y - dstMeanY;
            dot += sx * dx + sy * dy;
            cross += sx * dy - sy * dx;
            srcVariance += sx * sx + sy * sy;
        }
        if (!(srcVariance > 1e-9) || !double.IsFinite(srcVariance))
        {
            throw new ArgumentException("points are degenerate (all at one point or not finite)", nameof(from));
        }

        double a = dot / srcVariance, b = cross / srcVariance;
        return new double[,]
        {
            { a, -b, dstMeanX - (a * srcMeanX - b * srcMeanY) },
            { b,  a, dstMeanY - (b * srcMeanX + a * srcMeanY) },
        };
    }

    /// <summary>Warps <paramref name="bgrImage"/> so the landmarks land on the 112x112 template: a new image of the same type.</summary>
    public static Mat Align(Mat bgrImage, IReadOnlyList<(float X, float Y)> landmarks) =>
        Align(bgrImage, landmarks, AlignmentTemplate.ArcFace112);

    /// <summary>Warps <paramref name="bgrImage"/> so the landmarks land on <paramref name="template"/>'s points.</summary>
    public static Mat Align(Mat bgrImage, IReadOnlyList<(float X, float Y)> landmarks, AlignmentTemplate template)
    {
        ArgumentNullException.ThrowIfNull(bgrImage);
        ArgumentNullException.ThrowIfNull(template);
        if (bgrImage.Empty())
        {
            throw new ArgumentException("image is empty", nameof(bgrImage));
        }
        using var transform = Mat.FromArray(EstimateSimilarity(landmarks, template.Points));
        var aligned = new Mat();
        Cv2.WarpAffine(bgrImage, aligned, transform, new Size(template.Width, template.Height),
            InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        return aligned;
    }

    /// <summary>Applies a 2x3 affine <paramref name="transform"/> to a point.</summary>
    public static (float X, float Y) Apply(double[,] transform, (float X, float Y) point)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return ((float)(transform[0, 0] * point.X + transform[0, 1] * point.Y + transform[0, 2]),
                (float)(transform[1, 0] * point.X + transform[1, 1] * point.Y + transform[1, 2]));
    }
}
