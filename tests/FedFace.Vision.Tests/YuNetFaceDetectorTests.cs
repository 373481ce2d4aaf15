using FedFace.DevelopmentData;
using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class YuNetFaceDetectorTests : IDisposable
{
    private readonly YuNetFaceDetector _detector = new(SharedData.YuNetModel);

    public void Dispose() => _detector.Dispose();

    [Theory]
    [InlineData("Aaron_Peirsol", 1)]
    [InlineData("George_W_Bush", 1)]
    [InlineData("Serena_Williams", 1)]
    public void FindsOneFaceWithLandmarksInsideTheBoxOnLfw(string person, int number)
    {
        using Mat image = Cv2.ImRead(SharedData.LfwImage(person, number), ImreadModes.Color);

        FaceDetection face = Assert.Single(_detector.Detect(image));

        Assert.InRange(face.Score, 0.6f, 1f);
        Assert.Equal(5, face.Landmarks.Count);
        foreach ((float x, float y) in face.Landmarks)
        {
            Assert.InRange(x, face.X, face.X + face.Width);
            Assert.InRange(y, face.Y, face.Y + face.Height);
        }
        // Template order: the person's right eye is on the image's left, mouth below the eyes.
        Assert.True(face.Landmarks[0].X < face.Landmarks[1].X);
        Assert.True(face.Landmarks[3].Y > face.Landmarks[0].Y);
    }

    [Fact]
    public void FindsAFaceOnASmallGreyOrlImage()
    {
        using Mat image = Cv2.ImRead(Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"), ImreadModes.Color);

        Assert.Equal((92, 112), (image.Width, image.Height));
        Assert.NotEmpty(_detector.Detect(image));
    }

    [Fact]
    public void HandlesImagesOfDifferentSizesInTurn()
    {
        using Mat lfw = Cv2.ImRead(SharedData.LfwImage("Aaron_Peirsol", 1), ImreadModes.Color);
        using Mat bigger = new();
        Cv2.Resize(lfw, bigger, new Size(400, 300));

        Assert.Single(_detector.Detect(lfw));
        Assert.Single(_detector.Detect(bigger));
        Assert.Single(_detector.Detect(lfw));
    }

    [Fact]
    public void LargeImagesAreDetectedShrunkAndReportedInFullSizeCoordinates()
    {
        using Mat lfw = Cv2.ImRead(SharedData.LfwImage("George_W_Bush", 1), ImreadModes.Color);
        using Mat scaled = new(), large = new(), shrunk = new();
        Cv2.Resize(lfw, scaled, new Size(1000, 1000));
        Cv2.CopyMakeBorder(scaled, large, 0, 0, 0, 500, BorderTypes.Constant, Scalar.All(0)); // 1500x1000
        Cv2.Resize(large, shrunk, new Size(640, 427), interpolation: InterpolationFlags.Area);
        FaceDetection onShrunk = Assert.Single(_detector.Detect(shrunk));

        FaceDetection onLarge = Assert.Single(_detector.Detect(large));

        float sx = 1500f / 640, sy = 1000f / 427;
        Assert.Equal(onShrunk.X * sx, onLarge.X, 0.01);
        Assert.Equal(onShrunk.Height * sy, onLarge.Height, 0.01);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(onShrunk.Landmarks[i].X * sx, onLarge.Landmarks[i].X, 0.01);
            Assert.Equal(onShrunk.Landmarks[i].Y * sy, onLarge.Landmarks[i].Y, 0.01);
        }
        // And the face is where it is in the original, four times over. YuNet's landmarks shift by a
        // few pixels when the face's size changes, so this is a coarse check (the face is ~100 px wide).
        FaceDetection original = Assert.Single(_detector.Detect(lfw));
        for (int i = 0; i < 5; i++)
        {
            Assert.InRange(onLarge.Landmarks[i].X / 4 - original.Landmarks[i].X, -8, 8);
            Assert.InRange(onLarge.Landmarks[i].Y / 4 - original.Landmarks[i].Y, -8, 8);
        }
    }

    [Fact]
    public void FindsNothingOnABlankImage()
    {
        using Mat blank = new(200, 200, MatType.CV_8UC3, Scalar.All(128));

        Assert.Empty(_detector.Detect(blank));
    }

    [Fact]
    public void RejectsAGreyMat()
    {
        using Mat grey = new(100, 100, MatType.CV_8UC1, Scalar.All(128));

        Assert.Throws<ArgumentException>(() => _detector.Detect(grey));
    }

    [Fact]
    public void MissingModelNamesThePath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-yunet.onnx");

        var e = Assert.Throws<FileNotFoundException>(() => new YuNetFaceDetector(missing));

        Assert.Contains(missing, e.Message);
    }
}
