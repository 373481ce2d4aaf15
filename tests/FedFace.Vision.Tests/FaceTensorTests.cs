using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class FaceTensorTests
{
    private const int Plane = FaceTensor.Height * FaceTensor.Width;

    [Fact]
    public void WritesRgbPlanesScaledToMinusOneOne()
    {
        // Every pixel B=0, G=255, R=51, except one that tells the planes apart at a known position.
        using Mat image = new(112, 112, MatType.CV_8UC3, new Scalar(0, 255, 51));
        image.Set(3, 7, new Vec3b(10, 20, 30)); // row 3, column 7, BGR
        var tensor = new float[FaceTensor.Length];

        FaceTensor.WriteNormalizedRgbChw(image, tensor);

        Assert.Equal((51 - 127.5f) / 127.5f, tensor[0]);           // R plane first
        Assert.Equal(1f, tensor[Plane]);                           // G = 255 → +1
        Assert.Equal(-1f, tensor[2 * Plane]);                      // B = 0 → −1
        int at = 3 * FaceTensor.Width + 7;
        Assert.Equal((30 - 127.5f) / 127.5f, tensor[at]);
        Assert.Equal((20 - 127.5f) / 127.5f, tensor[Plane + at]);
        Assert.Equal((10 - 127.5f) / 127.5f, tensor[2 * Plane + at]);
    }

    [Fact]
    public void ReadsANonContinuousRegionCorrectly()
    {
        using Mat big = new(200, 200, MatType.CV_8UC3, Scalar.All(0));
        using Mat roi = new(big, new Rect(50, 40, 112, 112));
        roi.Set(111, 111, new Vec3b(0, 0, 255));
        Assert.False(roi.IsContinuous());
        var tensor = new float[FaceTensor.Length];

        FaceTensor.WriteNormalizedRgbChw(roi, tensor);

        Assert.Equal(1f, tensor[Plane - 1]);
        Assert.Equal(-1f, tensor[Plane - 2]);
    }

    [Fact]
    public void RejectsWrongSizesAndTypes()
    {
        var tensor = new float[FaceTensor.Length];
        using Mat wrongSize = new(100, 112, MatType.CV_8UC3);
        using Mat grey = new(112, 112, MatType.CV_8UC1);
        using Mat right = new(112, 112, MatType.CV_8UC3);

        Assert.Throws<ArgumentException>(() => FaceTensor.WriteNormalizedRgbChw(wrongSize, tensor));
        Assert.Throws<ArgumentException>(() => FaceTensor.WriteNormalizedRgbChw(grey, tensor));
        Assert.Throws<ArgumentException>(() => FaceTensor.WriteNormalizedRgbChw(right, new float[FaceTensor.Length - 1]));
    }
}
