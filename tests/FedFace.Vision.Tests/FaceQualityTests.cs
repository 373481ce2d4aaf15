using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

/// <summary>Each rejection reason, triggered by a crafted version of a real face that passes the gate as it is.</summary>
public sealed class FaceQualityTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FaceAlignmentPipeline _pipeline = new(() => new YuNetFaceDetector(SharedData.YuNetModel), new FacePipelineSettings());

    public void Dispose()
    {
        _pipeline.Dispose();
        _folder.Dispose();
    }

    private AlignmentResult ProcessEdited(Action<Mat> edit)
    {
        using Mat image = TestImages.Lfw("George_W_Bush", 1);
        edit(image);
        return _pipeline.Process(_folder.Image($"edited-{Guid.NewGuid():N}.png", image));
    }

    [Fact]
    public void TheUneditedFacePasses()
    {
        AlignmentResult result = ProcessEdited(_ => { });

        Assert.Equal(AlignmentOutcome.Aligned, result.Outcome);
        Assert.Null(result.Rejection);
    }

    [Fact]
    public void AHeavilyBlurredFaceIsTooBlurred()
    {
        AlignmentResult result = ProcessEdited(image => Cv2.GaussianBlur(image, image, new Size(0, 0), 4));

        Assert.Equal(AlignmentOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectionReason.TooBlurred, result.Rejection);
        Assert.StartsWith("too blurred", result.Reason);
        Assert.NotNull(result.Face); // rejected faces are kept for inspection, not silently dropped
    }

    [Fact]
    public void ADarkenedFaceIsTooDark()
    {
        AlignmentResult result = ProcessEdited(image => image.ConvertTo(image, MatType.CV_8UC3, 0.15));

        Assert.Equal(RejectionReason.TooDark, result.Rejection);
    }

    [Fact]
    public void AnOverexposedFaceIsTooBright()
    {
        AlignmentResult result = ProcessEdited(image => image.ConvertTo(image, MatType.CV_8UC3, 1.0, 150));

        Assert.Equal(RejectionReason.TooBright, result.Rejection);
    }

    [Fact]
    public void AFaceUnderTheMinimumSizeIsTooSmall()
    {
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), new FacePipelineSettings { MinFaceSidePixels = 60 });

        AlignmentResult result = pipeline.Process(_folder.Image("small.png", Shrunk(TestImages.Lfw("George_W_Bush", 1), 0.4)));

        Assert.Equal(RejectionReason.TooSmall, result.Rejection);
        Assert.InRange(result.Face!.Measures.FaceSidePixels, 10, 60);
    }

    [Fact]
    public void ATurnedFaceIsAnExtremePose()
    {
        // A real photo, with the detector's nose moved sideways by 1.5 eye distances (a near-profile).
        using var pipeline = new FaceAlignmentPipeline(() => new NoseShiftingDetector(new YuNetFaceDetector(SharedData.YuNetModel), 1.5f), new FacePipelineSettings());

        AlignmentResult result = pipeline.Process(SharedData.LfwImage("George_W_Bush", 1));

        Assert.Equal(RejectionReason.ExtremePose, result.Rejection);
        Assert.InRange(result.Face!.Measures.Yaw, 1.2, 1.8);
    }

    [Fact]
    public void AFaceCutOffAtTheImageEdgeIsRefused()
    {
        // A real photo cropped through the face: about a third of it (x 85–175) lies beyond the new left edge.
        using Mat photo = TestImages.Lfw("George_W_Bush", 1);
        using Mat cut = new Mat(photo, new Rect(115, 0, 135, 250)).Clone();

        AlignmentResult result = _pipeline.Process(_folder.Image("cut.png", cut));

        Assert.Equal(RejectionReason.CutOff, result.Rejection);
        Assert.Matches(@"^face cut off at the image edge \(\d+% inside < 85%\)$", result.Reason);
        Assert.InRange(FaceQuality.InsideFraction(result.Face!, AlignmentTemplate.ArcFace112), 0.3, 0.85);
    }

    [Fact]
    public void OfSeveralFacesTheLargestThatIsNotCutOffIsChosen()
    {
        // A group photo: on the left a big face (a scaled-up LFW photo) cut by the image edge, on the right a smaller
        // whole one. The cut face's box is the largest (about 91x171 against 84x112).
        using Mat bush = TestImages.Lfw("George_W_Bush", 1);
        using Mat big = bush.Resize(new Size(350, 350));
        using Mat powell = TestImages.Lfw("Colin_Powell", 1);
        using var group = new Mat(250, 400, MatType.CV_8UC3, Scalar.All(128));
        using (var left = new Mat(group, new Rect(0, 0, 150, 250)))
        using (var source = new Mat(big, new Rect(159, 60, 150, 250)))
        {
            source.CopyTo(left);
        }
        using (var right = new Mat(group, new Rect(150, 0, 250, 250)))
        {
            powell.CopyTo(right);
        }

        AlignmentResult result = _pipeline.Process(_folder.Image("group.png", group));

        Assert.Equal(AlignmentOutcome.Aligned, result.Outcome);
        Assert.InRange(result.Face!.Detection.X, 150, 400); // the whole face on the right
    }

    [Fact]
    public void PoseComesFromTheLandmarks()
    {
        var frontal = AlignmentTemplate.ArcFace112.Points;
        (float yaw, float roll) = FaceQuality.Pose(frontal);
        Assert.InRange(yaw, -0.02, 0.02);
        Assert.InRange(roll, -1, 0);

        // Turn the whole template by 60°: roll 60, yaw unchanged.
        double a = Math.PI / 3;
        var turned = frontal.Select(p => ((float)(Math.Cos(a) * p.X - Math.Sin(a) * p.Y), (float)(Math.Sin(a) * p.X + Math.Cos(a) * p.Y))).ToArray();
        (float turnedYaw, float turnedRoll) = FaceQuality.Pose(turned);
        Assert.InRange(turnedYaw, yaw - 0.001, yaw + 0.001);
        Assert.InRange(turnedRoll, 58.9, 59.9);
        Assert.Equal(RejectionReason.ExtremePose, new QualityOptions().Judge(new QualityMeasures(100, 100, 120, 0, 60)));
    }

    [Fact]
    public void ExposureIsJudgedBeforeSharpnessAndTheGateCanBeOff()
    {
        var darkAndFlat = new QualityMeasures(100, Sharpness: 1, MeanLuminance: 10, Yaw: 0, RollDegrees: 0);

        Assert.Equal(RejectionReason.TooDark, new QualityOptions().Judge(darkAndFlat));
        Assert.Null(QualityOptions.AcceptAll.Judge(darkAndFlat));
        Assert.NotEmpty(new QualityOptions { MinMeanLuminance = 200, MaxMeanLuminance = 100 }.Problems());
        Assert.NotEmpty(new QualityOptions { MinInsideFraction = 1.5f }.Problems());
    }

    [Fact]
    public void SharpnessIsComparableAcrossCropSizes()
    {
        // The face region is resampled to the 112 template's scale before measuring.
        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        using Mat image = TestImages.Lfw("Colin_Powell", 2);
        FaceDetection face = detector.Detect(image).MaxBy(f => f.Area)!;
        float[] sharpness = [.. AlignmentTemplate.All.Select(t =>
        {
            using Mat crop = FaceAligner.Align(image, face.Landmarks, t);
            return FaceQuality.Measure(face, crop, t).Sharpness;
        })];

        Assert.All(sharpness, s => Assert.InRange(s, sharpness[0] * 0.6, sharpness[0] * 1.6));
    }

    private static Mat Shrunk(Mat image, double factor)
    {
        using (image)
        {
            var small = new Mat();
            Cv2.Resize(image, small, new Size(0, 0), factor, factor, InterpolationFlags.Area);
            return small;
        }
    }

    /// <summary>Moves the nose landmark along the eye line, as a turned head would.</summary>
    private sealed class NoseShiftingDetector(IFaceDetector inner, float eyeDistances) : IFaceDetector
    {
        public IReadOnlyList<FaceDetection> Detect(Mat bgrImage) => [.. inner.Detect(bgrImage).Select(face =>
        {
            var p = face.Landmarks.ToArray();
            float dx = p[1].X - p[0].X, dy = p[1].Y - p[0].Y;
            p[2] = (p[2].X + eyeDistances * dx, p[2].Y + eyeDistances * dy);
            return face with { Landmarks = p };
        })];

        public void Dispose() => inner.Dispose();
    }
}
