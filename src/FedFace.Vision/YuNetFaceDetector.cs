using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// OpenCV's YuNet detector (<c>face_detection_yunet_2023mar.onnx</c>). Not thread-safe.
/// </summary>
/// <remarks>
/// YuNet's input size must equal the image size, and this OpenCvSharp build exposes no
/// <c>setInputSize</c>, so the native detector is re-created whenever the image size changes.
/// Datasets are usually one size (LFW 250x250, ORL 92x112), so that happens rarely; loading the
/// 230 kB model costs a few milliseconds when it does.
/// Images larger than <c>maxDetectionSide</c> are detected on a shrunk copy (results are scaled back):
/// a full 12-megapixel photo would take seconds, and faces worth recognising are large in it anyway.
/// </remarks>
public sealed class YuNetFaceDetector : IFaceDetector
{
    // One output row: box (4), five landmark x/y pairs (10), score (1).
    private const int OutputColumns = 15;
    private const int TopK = 5000;

    private readonly string _modelPath;
    private readonly float _scoreThreshold;
    private readonly float _nmsThreshold;
    private readonly int _maxDetectionSide;
    private FaceDetectorYN? _detector;
    private (int Width, int Height) _inputSize;
    private bool _disposed;

    public YuNetFaceDetector(string modelPath, float scoreThreshold = 0.6f, float nmsThreshold = 0.3f, int maxDetectionSide = 640)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        OpenCvNative.EnsureLoaded();
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"YuNet model not found: {Path.GetFullPath(modelPath)}", modelPath);
        }
        if (scoreThreshold is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(scoreThreshold), scoreThreshold, "must be in [0, 1]");
        }
        if (nmsThreshold is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(nmsThreshold), nmsThreshold, "must be in [0, 1]");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDetectionSide, 32);
        _modelPath = modelPath;
        _scoreThreshold = scoreThreshold;
        _nmsThreshold = nmsThreshold;
        _maxDetectionSide = maxDetectionSide;
    }

    public IReadOnlyList<FaceDetection> Detect(Mat bgrImage)
    {
        ArgumentNullException.ThrowIfNull(bgrImage);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (bgrImage.Empty() || bgrImage.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a non-empty CV_8UC3 (BGR) image, got {bgrImage.Type()} {bgrImage.Width}x{bgrImage.Height}", nameof(bgrImage));
        }

        int width = bgrImage.Width, height = bgrImage.Height;
        double shrink = (double)_maxDetectionSide / Math.Max(width, height);
        using var faces = new Mat();
        if (shrink >= 1)
        {
            DetectorFor(width, height).Detect(bgrImage, faces);
            return Parse(faces, 1f, 1f);
        }
        using var small = new Mat();
        Cv2.Resize(bgrImage, small, new Size(Math.Max(1, (int)Math.Round(width * shrink)), Math.Max(1, (int)Math.Round(height * shrink))),
            interpolation: InterpolationFlags.Area);
        DetectorFor(small.Width, small.Height).Detect(small, faces);
        return Parse(faces, (float)width / small.Width, (float)height / small.Height);
    }

    private FaceDetectorYN DetectorFor(int width, int height)
    {
        if (_detector is null || _inputSize != (width, height))
        {
            _detector?.Dispose();
            _detector = FaceDetectorYN.Create(_modelPath, "", new Size(width, height), _scoreThreshold, _nmsThreshold, TopK);
            _inputSize = (width, height);
        }
        return _detector;
    }

    private static FaceDetection[] Parse(Mat faces, float scaleX, float scaleY)
    {
        // No faces may come back as an empty Mat of any shape.
        if (faces.Empty())
        {
            return [];
        }
        if (faces.Type() != MatType.CV_32FC1 || faces.Cols != OutputColumns)
        {
            throw new InvalidOperationException($"unexpected YuNet output {faces.Type()} with {faces.Cols} columns");
        }
        var rows = faces.AsRows<float>();
        var result = new FaceDetection[rows.Count];
        for (int i = 0; i < result.Length; i++)
        {
            Span<float> r = rows[i];
            var landmarks = new (float X, float Y)[5];
            for (int k = 0; k < landmarks.Length; k++)
            {
                landmarks[k] = (r[4 + 2 * k] * scaleX, r[5 + 2 * k] * scaleY);
            }
            result[i] = new FaceDetection(r[0] * scaleX, r[1] * scaleY, r[2] * scaleX, r[3] * scaleY, landmarks, r[14]);
        }
        // YuNet sorts after NMS already; sort anyway so the contract does not rest on that.
        Array.Sort(result, (a, b) => b.Score.CompareTo(a.Score));
        return result;
    }

    public void Dispose()
    {
        _detector?.Dispose();
        _detector = null;
        _disposed = true;
    }
}
