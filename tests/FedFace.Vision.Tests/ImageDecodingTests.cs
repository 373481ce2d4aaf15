namespace FedFace.Vision.Tests;

public sealed class ImageDecodingTests
{
    [Fact]
    public void A_photo_decodes_at_the_size_its_header_declares()
    {
        byte[] jpeg = TestImages.LfwBytes("George_W_Bush", 1);

        DecodedImage decoded = ImageDecoding.Decode(jpeg, ImageFileInspector.Inspect(jpeg));

        using OpenCvSharp.Mat image = decoded.Image!;
        Assert.Equal((250, 250, 3), (image.Width, image.Height, image.Channels()));
    }

    /// <summary>The pixel limit is checked on the header: an image decoding to another size would slip past it.</summary>
    [Fact]
    public void A_photo_that_decodes_to_another_size_than_its_header_declares_is_refused_saying_both()
    {
        byte[] jpeg = TestImages.LfwBytes("George_W_Bush", 1);

        DecodedImage decoded = ImageDecoding.Decode(jpeg, new ImageFileInfo(ImageFormat.Jpeg, 100, 120, null, null));

        Assert.Null(decoded.Image);
        Assert.Equal(UnreadableReason.NotDecodable, decoded.Problem);
        Assert.Equal("JPEG decoded to 250x250, not the 100x120 its header declares", decoded.Detail);
    }
}
