using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class ImageFileInspectorTests
{
    [Fact]
    public void ReadsTheSizeOfRealJpegAndPgmFiles()
    {
        Assert.Equal(new ImageFileInfo(ImageFormat.Jpeg, 250, 250, null, null), ImageFileInspector.Inspect(TestImages.LfwBytes("George_W_Bush", 1)));
        Assert.Equal(new ImageFileInfo(ImageFormat.Pnm, 92, 112, null, null),
            ImageFileInspector.Inspect(File.ReadAllBytes(Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"))));
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".bmp")]
    [InlineData(".pgm")]
    [InlineData(".webp")]
    [InlineData(".jpg")]
    public void ReadsTheSizeOfEveryFormatOpenCvWrites(string extension)
    {
        using Mat image = new(37, 53, MatType.CV_8UC3, new Scalar(10, 120, 200));
        Cv2.ImEncode(extension, extension == ".pgm" ? image.CvtColor(ColorConversionCodes.BGR2GRAY) : image, out byte[] encoded);

        ImageFileInfo info = ImageFileInspector.Inspect(encoded);

        Assert.True(info.IsAcceptable, info.Detail);
        Assert.Equal((53, 37), (info.Width, info.Height));
    }

    [Fact]
    public void LossyAndExtendedWebPHeadersAreReadToo()
    {
        // OpenCV writes lossless WebP at quality 101 and lossy below; both are valid headers to read.
        using Mat image = new(40, 70, MatType.CV_8UC3, Scalar.All(90));
        Cv2.ImEncode(".webp", image, out byte[] lossy, new ImageEncodingParam(ImwriteFlags.WebPQuality, 80));
        Assert.Equal((70, 40), (ImageFileInspector.Inspect(lossy).Width, ImageFileInspector.Inspect(lossy).Height));
    }

    [Theory]
    [InlineData(10_000, 5_000)]
    [InlineData(7_000, 6_000)]
    public void HeadersClaimingMoreThan40MegapixelsAreRefused(int width, int height)
    {
        ImageFileInfo png = ImageFileInspector.Inspect(TestImages.PngHeaderOnly(width, height));
        ImageFileInfo jpeg = ImageFileInspector.Inspect(TestImages.JpegHeaderOnly(width, height));

        Assert.Equal(UnreadableReason.TooManyPixels, png.Problem);
        Assert.Equal(UnreadableReason.TooManyPixels, jpeg.Problem);
        Assert.Contains($"{width}x{height}", png.Detail);
    }

    /// <summary>
    /// Found by fuzzing (tests/FedFace.Fuzz.Tests): sizes whose product wraps past a long (2³² × 2³² is 0, (2³²−1)² is
    /// negative) were accepted as small images of size 0 or −1.
    /// </summary>
    [Fact]
    public void HeadersWhoseSizesMultiplyPastALongAreRefusedAsTooManyPixels()
    {
        ImageFileInfo png = ImageFileInspector.Inspect(TestImages.PngHeaderOnly(-1, -1)); // 4294967295 x 4294967295
        ImageFileInfo pgm = ImageFileInspector.Inspect([.. "P5\n4294967296 4294967296\n255\n"u8, 0]);

        Assert.Equal(UnreadableReason.TooManyPixels, png.Problem);
        Assert.Contains("4294967295x4294967295", png.Detail);
        Assert.Equal(UnreadableReason.TooManyPixels, pgm.Problem);
        Assert.Contains("4294967296x4294967296", pgm.Detail);
    }

    [Fact]
    public void JustUnderTheLimitIsAcceptedFromTheHeader()
    {
        // 8000 x 5000 = 40 MP exactly: allowed (the rule is "more than").
        ImageFileInfo jpeg = ImageFileInspector.Inspect(TestImages.JpegHeaderOnly(8000, 5000));

        Assert.True(jpeg.IsAcceptable, jpeg.Detail);
    }

    [Fact]
    public void TruncatedFilesAreNamedAsSuch()
    {
        byte[] png = Encode(".png"), bmp = Encode(".bmp"), pgm = Encode(".pgm");

        Assert.Equal(UnreadableReason.Truncated, ImageFileInspector.Inspect(TestImages.TruncatedJpeg()).Problem);
        Assert.Equal(UnreadableReason.Truncated, ImageFileInspector.Inspect(png[..(png.Length - 20)]).Problem);
        Assert.Equal(UnreadableReason.Truncated, ImageFileInspector.Inspect(bmp[..(bmp.Length / 2)]).Problem);
        Assert.Equal(UnreadableReason.Truncated, ImageFileInspector.Inspect(pgm[..(pgm.Length - 1)]).Problem);
        Assert.Equal(UnreadableReason.Truncated, ImageFileInspector.Inspect(TestImages.LfwBytes("George_W_Bush", 1)[..100]).Problem);
    }

    [Fact]
    public void DataAfterTheEndOfAJpegIsNotTruncation()
    {
        // Some phones append a video or padding after the end-of-image marker.
        byte[] jpeg = [.. TestImages.LfwBytes("George_W_Bush", 1), .. new byte[1000], 0xFF, 0xD8];

        Assert.True(ImageFileInspector.Inspect(jpeg).IsAcceptable);
    }

    [Fact]
    public void EmptyAndForeignFilesAreNamed()
    {
        Assert.Equal(UnreadableReason.EmptyFile, ImageFileInspector.Inspect([]).Problem);
        Assert.Equal(UnreadableReason.NotAnImage, ImageFileInspector.Inspect("this is not a JPEG"u8).Problem);
        Assert.Equal(UnreadableReason.NotAnImage, ImageFileInspector.Inspect("%PDF-1.7 ..."u8).Problem);
        Assert.Equal(UnreadableReason.CorruptHeader, ImageFileInspector.Inspect(TestImages.PngHeaderOnly(0, 10)).Problem);
    }

    private static byte[] Encode(string extension)
    {
        using Mat image = new(64, 48, MatType.CV_8UC1, Scalar.All(77));
        Cv2.ImEncode(extension, image, out byte[] encoded);
        return encoded;
    }
}
