using System.Collections.ObjectModel;
using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Five-point similarity alignment to the ArcFace 112x112 template (InsightFace <c>arcface_torch</c>).
/// </summary>
public static class FaceAligner
{
    public const int OutputSize = 112;

    /// <summary>Right eye, left eye, nose tip, right mouth corner, left mouth corner.</summary>
    public static IReadOnlyList<(float X, float Y)> Template112 { get; } = new ReadOnlyCollection<(float X, float Y)>(
    [
        (38.2946f, 51.6963f),
        (73.5318f, 51.5014f),
        (56.0252f, 71.7366f),
        (41.5493f, 92.3655f),
        (70.7299f, 92.2041f),
    ]);

    /// <summary>
    /// The 2x3 similarity (rotation, uniform scale, translation; no reflection) that maps
    /// <paramref name="landmarks"/> onto <see cref="Template112"/> with the least squared error
    /// (Umeyama 1991, which in 2-D has the closed form below).
    /// </summary>
    public static double[,] EstimateSimilarity(IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        var template = Template112;
        if (landmarks.Count != template.Count)
        {
            throw new ArgumentException($"expected {template.Count} landmarks, got {landmarks.Count}", nameof(landmarks));
        }

        double n = landmarks.Count;
        double srcMeanX = 0, srcMeanY = 0, dstMeanX = 0, dstMeanY = 0;
        for (int i = 0; i < landmarks.Count; i++)
        {
            srcMeanX += landmarks[i].X / n;
            srcMeanY += landmarks[i].Y / n;
            dstMeanX += template[i].X / n;
            dstMeanY += template[i].Y / n;
        }

        // Treat centred points as complex numbers p (landmarks) and q (template): scale·rotation is one
        // complex factor z = a + ib, and the z minimising Σ|z·p − q|² is a = Σ p·q / Σ|p|², b = Σ p×q / Σ|p|².
        double dot = 0, cross = 0, srcVariance = 0;
        for (int i = 0; i < landmarks.Count; i++)
        {
            double sx = landmarks[i].X - srcMeanX, sy = landmarks[i].Y - srcMeanY;
            double dx = template[i].X - dstMeanX, dy = template[i].Y - dstMeanY;
            dot += sx * dx + sy * dy;
            cross += sx * dy - sy * dx;
            srcVariance += sx * sx + sy * sy;
        }
        if (!(srcVariance > 1e-9) || !double.IsFinite(srcVariance))
        {
            throw new ArgumentException("landmarks are degenerate (all at one point or not finite)", nameof(landmarks));
        }

        double a = dot / srcVariance, b = cross / srcVariance;
        return new double[,]
        {
            { a, -b, dstMeanX - (a * srcMeanX - b * srcMeanY) },
            { b,  a, dstMeanY - (b * srcMeanX + a * srcMeanY) },
        };
    }

    /// <summary>Warps <paramref name="bgrImage"/> so the landmarks land on the template: a new 112x112 image of the same type.</summary>
    public static Mat Align(Mat bgrImage, IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(bgrImage);
        if (bgrImage.Empty())
        {
            throw new ArgumentException("image is empty", nameof(bgrImage));
        }
        using var transform = Mat.FromArray(EstimateSimilarity(landmarks));
        var aligned = new Mat();
        Cv2.WarpAffine(bgrImage, aligned, transform, new Size(OutputSize, OutputSize),
            InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        return aligned;
    }
}
