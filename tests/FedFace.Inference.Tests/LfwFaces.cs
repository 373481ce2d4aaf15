using FedFace.DevelopmentData;
using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Inference.Tests;

/// <summary>
/// Real LFW faces aligned by the Vision pipeline (YuNet, largest face, similarity warp to the 112x112 template), and
/// the pretrained MobileFaceNet: loaded once for every test of a class.
/// </summary>
public sealed class LfwFaces : IDisposable
{
    private readonly YuNetFaceDetector _detector = new(SharedData.YuNetModel);
    private readonly Dictionary<(string, int), Mat> _aligned = [];

    public OnnxFaceEmbedder Embedder { get; } = new(SharedData.MobileFaceNetOnnx);

    /// <summary>The network input for one LFW image.</summary>
    public float[] Tensor(string person, int number) => ToTensor(Aligned(person, number));

    /// <summary>The same face as <see cref="Tensor"/>, mirrored left to right as an image, before it became a tensor.</summary>
    public float[] MirroredTensor(string person, int number)
    {
        using var mirrored = new Mat();
        Cv2.Flip(Aligned(person, number), mirrored, FlipMode.Y);
        return ToTensor(mirrored);
    }

    private Mat Aligned(string person, int number)
    {
        lock (_aligned)
        {
            if (!_aligned.TryGetValue((person, number), out Mat? aligned))
            {
                using Mat image = Cv2.ImRead(SharedData.LfwImage(person, number), ImreadModes.Color);
                FaceDetection face = _detector.Detect(image).MaxBy(f => f.Area)
                    ?? throw new InvalidOperationException($"no face in {person} {number}");
                aligned = FaceAligner.Align(image, face.Landmarks);
                _aligned.Add((person, number), aligned);
            }
            return aligned;
        }
    }

    private static float[] ToTensor(Mat aligned)
    {
        var pixels = new float[FaceTensor.Length];
        FaceTensor.WriteNormalizedRgbChw(aligned, pixels);
        return pixels;
    }

    public void Dispose()
    {
        Embedder.Dispose();
        _detector.Dispose();
        foreach (Mat mat in _aligned.Values)
        {
            mat.Dispose();
        }
    }
}
