using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// One detected face in image coordinates: its box, five landmarks in the ArcFace template's order
/// (right eye, left eye, nose tip, right mouth corner, left mouth corner) and the detector's score.
/// Landmarks are plain tuples so callers without OpenCV types (Learning) can pass them straight to
/// <see cref="FaceAligner"/>.
/// </summary>
public sealed record FaceDetection(
    float X, float Y, float Width, float Height,
    IReadOnlyList<(float X, float Y)> Landmarks,
    float Score)
{
    public float Area => Width * Height;
}

/// <summary>Finds faces in an 8-bit BGR image. Instances need not be thread-safe: use one per worker.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Faces found in <paramref name="bgrImage"/> (CV_8UC3), best score first; empty when none.</summary>
    IReadOnlyList<FaceDetection> Detect(Mat bgrImage);
}
