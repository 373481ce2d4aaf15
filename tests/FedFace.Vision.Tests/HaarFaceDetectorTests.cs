using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class HaarFaceDetectorTests : IDisposable
{
    private readonly HaarFaceDetector _detector = new(DetectorOptions.DebianCascadeDirectory);

    public void Dispose() => _detector.Dispose();

    [Theory]
    [InlineData("Aaron_Peirsol", 1)]
    [InlineData("George_W_Bush", 1)]
    [InlineData("Serena_Williams", 1)]
    public void FindsTheLfwFaceWithEstimatedLandmarksInTemplateOrder(string person, int number)
    {
        using Mat image = TestImages.Lfw(person, number);
        using var yunet = new YuNetFaceDetector(SharedData.YuNetModel);
        FaceDetection reference = Assert.Single(yunet.Detect(image));

        FaceDetection face = _detector.Detect(image).MaxBy(f => f.Area)!;

        Assert.NotNull(face);
        Assert.Equal(5, face.Landmarks.Count);
        Assert.True(face.Landmarks[0].X < face.Landmarks[1].X, "the person's right eye is on the image's left");
        Assert.True(face.Landmarks[3].Y > face.Landmarks[2].Y && face.Landmarks[2].Y > face.Landmarks[0].Y, "eyes, nose, mouth from top to bottom");
        // The eyes are near YuNet's: within a third of the eye distance (the median error over LFW is 0.11).
        double eyeDistance = Distance(reference.Landmarks[0], reference.Landmarks[1]);
        for (int i = 0; i < 2; i++)
        {
            Assert.InRange(Distance(face.Landmarks[i], reference.Landmarks[i]), 0, eyeDistance / 3);
        }
    }

    [Fact]
    public void FindsAFaceOnAGreyOrlImage()
    {
        using Mat image = Cv2.ImRead(Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"), ImreadModes.Color);

        Assert.NotEmpty(_detector.Detect(image));
    }

    [Fact]
    public void FindsNothingOnABlankImage()
    {
        using Mat blank = new(200, 200, MatType.CV_8UC3, Scalar.All(128));

        Assert.Empty(_detector.Detect(blank));
    }

    [Fact]
    public void NoseAndMouthFollowTheEyesWithTheTemplatesProportions()
    {
        // Eyes where the template has them, turned by 90°: the rest of the template turns with them.
        var template = AlignmentTemplate.ArcFace112.Points;

        var same = HaarFaceDetector.LandmarksFromEyes(template[0], template[1]);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(template[i].X, same[i].X, 0.001);
            Assert.Equal(template[i].Y, same[i].Y, 0.001);
        }
        var turned = HaarFaceDetector.LandmarksFromEyes((100, 100), (100, 140));
        Assert.True(turned[2].X < 100, "with the eye line pointing down the image, the nose lies to its left");
    }

    [Fact]
    public void AMissingCascadeFolderIsNamed()
    {
        var options = new DetectorOptions { Kind = DetectorKind.Haar, CascadeDirectory = "/no/such/cascades" };

        var e = Assert.Throws<ArgumentException>(() => FaceDetectorFactory.Create(options));

        Assert.Contains("/no/such/cascades/haarcascade_frontalface_default.xml", e.Message);
        Assert.Contains("opencv-data", e.Message);
    }

    [Fact]
    public void TheFactoryBuildsEachKind()
    {
        using IFaceDetector yunet = FaceDetectorFactory.Create(new DetectorOptions { YuNetModelPath = SharedData.YuNetModel });
        using IFaceDetector haar = FaceDetectorFactory.Create(new DetectorOptions { Kind = DetectorKind.Haar });

        Assert.IsType<YuNetFaceDetector>(yunet);
        Assert.IsType<HaarFaceDetector>(haar);
        Assert.Equal(DetectorKind.Haar, FaceDetectorFactory.ParseKind("HAAR"));
        Assert.Throws<ArgumentException>(() => FaceDetectorFactory.ParseKind("mtcnn"));
        Assert.Contains("does not exist", Assert.Single(new DetectorOptions { YuNetModelPath = "/nowhere.onnx" }.Problems()));
    }

    private static double Distance((float X, float Y) a, (float X, float Y) b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
}
