using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// The fallback for sites without the YuNet model: OpenCV's Viola-Jones face and eye cascades (Debian's
/// <c>opencv-data</c>). Cascades give boxes, not landmarks, so the five points are estimated: the eyes
/// are found by the eye cascade inside the face box (or placed at their usual position in the box when
/// it finds no plausible pair), and nose and mouth follow from the eyes with the template's proportions.
/// Not thread-safe.
/// </summary>
/// <remarks>
/// Because nose and mouth are placed from the eyes, alignment with this detector is an eye alignment:
/// good for frontal faces, blind to yaw (the pose check sees every Haar face as frontal). A face with
/// both eyes found scores <see cref="FoundEyesScore"/>, one whose eyes had to be guessed
/// <see cref="GuessedEyesScore"/>: the default threshold (0.6) keeps both, a threshold above 0.7 keeps
/// only faces whose eyes were seen. Measured on the 7,701 LFW pair images against YuNet's eye landmarks:
/// this detector found a face in 7,608 (98.8%), both eyes in 4,499 of them; the worse eye was off by a
/// median 0.11 eye distances when found and 0.12 when guessed (90th percentiles 0.19 and 0.26), so a
/// guess is nearly as good on the typical face and much worse on the unusual one.
/// </remarks>
public sealed class HaarFaceDetector : IFaceDetector
{
    public const string FaceCascadeFile = "haarcascade_frontalface_default.xml";
    public const string EyeCascadeFile = "haarcascade_eye.xml";
    public static IReadOnlyList<string> CascadeFiles { get; } = [FaceCascadeFile, EyeCascadeFile];

    public const float FoundEyesScore = 1f, GuessedEyesScore = 0.7f;

    // Where the eye centres sit in a frontalface_default box, as fractions of its side (measured as the
    // median of YuNet's eye landmarks in Haar boxes over LFW images).
    private const float EyeRowInBox = 0.39f, RightEyeColumnInBox = 0.32f, LeftEyeColumnInBox = 0.70f;

    private readonly CascadeClassifier _faces;
    private readonly CascadeClassifier _eyes;
    private readonly float _scoreThreshold;
    private readonly int _maxDetectionSide;
    private bool _disposed;

    public HaarFaceDetector(string cascadeDirectory, float scoreThreshold = 0.6f, int maxDetectionSide = 640)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cascadeDirectory);
        OpenCvNative.EnsureLoaded();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDetectionSide, 32);
        _scoreThreshold = scoreThreshold;
        _maxDetectionSide = maxDetectionSide;
        _faces = Load(Path.Combine(cascadeDirectory, FaceCascadeFile));
        try
        {
            _eyes = Load(Path.Combine(cascadeDirectory, EyeCascadeFile));
        }
        catch
        {
            _faces.Dispose();
            throw;
        }
    }

    private static CascadeClassifier Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Haar cascade not found: {path} (Debian: apt-get install opencv-data)", path);
        }
        var cascade = new CascadeClassifier(path);
        if (cascade.Empty())
        {
            cascade.Dispose();
            throw new InvalidDataException($"not a usable Haar cascade: {path}");
        }
        return cascade;
    }

    public IReadOnlyList<FaceDetection> Detect(Mat bgrImage)
    {
        ArgumentNullException.ThrowIfNull(bgrImage);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (bgrImage.Empty() || bgrImage.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a non-empty CV_8UC3 (BGR) image, got {bgrImage.Type()} {bgrImage.Width}x{bgrImage.Height}", nameof(bgrImage));
        }

        using var grey = new Mat();
        Cv2.CvtColor(bgrImage, grey, ColorConversionCodes.BGR2GRAY);
        float scale = 1;
        double shrink = (double)_maxDetectionSide / Math.Max(grey.Width, grey.Height);
        if (shrink < 1)
        {
            Cv2.Resize(grey, grey, new Size(Math.Max(1, (int)Math.Round(grey.Width * shrink)), Math.Max(1, (int)Math.Round(grey.Height * shrink))),
                interpolation: InterpolationFlags.Area);
            scale = (float)bgrImage.Width / grey.Width;
        }
        Cv2.EqualizeHist(grey, grey);

        var result = new List<FaceDetection>();
        foreach (Rect box in _faces.DetectMultiScale(grey, 1.1, 5, HaarDetectionTypes.ScaleImage, new Size(24, 24)))
        {
            ((float X, float Y) right, (float X, float Y) left)? eyes = FindEyes(grey, box);
            float score = eyes is null ? GuessedEyesScore : FoundEyesScore;
            if (score < _scoreThreshold)
            {
                continue;
            }
            var (rightEye, leftEye) = eyes ?? GuessEyes(box);
            IReadOnlyList<(float X, float Y)> landmarks = LandmarksFromEyes(rightEye, leftEye);
            result.Add(new FaceDetection(box.X * scale, box.Y * scale, box.Width * scale, box.Height * scale,
                [.. landmarks.Select(p => (p.X * scale, p.Y * scale))], score));
        }
        return [.. result.OrderByDescending(f => f.Score).ThenByDescending(f => f.Area)];
    }

    /// <summary>
    /// Places nose and mouth from the two eyes: the similarity that takes the template's eyes onto these
    /// eyes, applied to the whole template.
    /// </summary>
    public static IReadOnlyList<(float X, float Y)> LandmarksFromEyes((float X, float Y) rightEye, (float X, float Y) leftEye)
    {
        IReadOnlyList<(float X, float Y)> template = AlignmentTemplate.ArcFace112.Points;
        double[,] toImage = FaceAligner.EstimateSimilarity([template[0], template[1]], [rightEye, leftEye]);
        return [.. template.Select(p => FaceAligner.Apply(toImage, p))];
    }

    private static ((float X, float Y) Right, (float X, float Y) Left) GuessEyes(Rect box) =>
        ((box.X + RightEyeColumnInBox * box.Width, box.Y + EyeRowInBox * box.Height),
         (box.X + LeftEyeColumnInBox * box.Width, box.Y + EyeRowInBox * box.Height));

    /// <summary>The eye-cascade hits nearest the usual eye positions, one in each half of the face, if they make a plausible pair.</summary>
    private ((float X, float Y) Right, (float X, float Y) Left)? FindEyes(Mat grey, Rect face)
    {
        // Eyes lie in the upper half of a frontal face box; searching only there avoids nostrils and mouth corners.
        var band = new Rect(face.X, face.Y + face.Height / 6, face.Width, face.Height / 2);
        using var region = new Mat(grey, band);
        int smallest = Math.Max(8, face.Width / 10), largest = Math.Max(smallest + 1, face.Width / 3);
        Rect[] hits = _eyes.DetectMultiScale(region, 1.1, 3, HaarDetectionTypes.ScaleImage, new Size(smallest, smallest), new Size(largest, largest));
        (float X, float Y)[] centres = [.. hits.Select(h => (band.X + h.X + h.Width / 2f, band.Y + h.Y + h.Height / 2f))];
        float middle = face.X + face.Width / 2f;
        var (expectedRight, expectedLeft) = GuessEyes(face);
        (float X, float Y)? right = Nearest(centres.Where(c => c.X < middle), expectedRight);
        (float X, float Y)? left = Nearest(centres.Where(c => c.X >= middle), expectedLeft);
        if (right is null || left is null)
        {
            return null;
        }
        float dx = left.Value.X - right.Value.X, dy = left.Value.Y - right.Value.Y;
        bool plausible = dx > 0.25f * face.Width && dx < 0.65f * face.Width && Math.Abs(dy) < 0.5f * dx;
        return plausible ? (right.Value, left.Value) : null;
    }

    private static (float X, float Y)? Nearest(IEnumerable<(float X, float Y)> candidates, (float X, float Y) expected)
    {
        (float X, float Y)? best = null;
        float bestDistance = float.PositiveInfinity;
        foreach ((float X, float Y) c in candidates)
        {
            float distance = (c.X - expected.X) * (c.X - expected.X) + (c.Y - expected.Y) * (c.Y - expected.Y);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (c, distance);
            }
        }
        return best;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _faces.Dispose();
        _eyes.Dispose();
    }
}
