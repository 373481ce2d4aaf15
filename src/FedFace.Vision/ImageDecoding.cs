using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>A photo decoded for detection, or why it could not be (its owner disposes <see cref="Image"/>).</summary>
public readonly record struct DecodedImage(Mat? Image, UnreadableReason? Problem, string? Detail);

/// <summary>
/// Decodes a photo's bytes that <see cref="ImageFileInspector"/> accepted, into 3-channel BGR. A file the decoder refuses,
/// or that decodes to another size than its header declared (so the pixel limit checked there would not hold), is
/// refused with a reason; only an image of the inspected size is returned.
/// </summary>
public static class ImageDecoding
{
    public static DecodedImage Decode(byte[] bytes, ImageFileInfo header)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        string format = ImageFileInspector.DisplayName(header.Format.GetValueOrDefault());
        Mat image;
        try
        {
            // Color mode also turns grey images (ORL .pgm) into 3-channel BGR and applies EXIF orientation.
            image = Cv2.ImDecode(bytes, ImreadModes.Color);
        }
        catch (OpenCVException e)
        {
            return new DecodedImage(null, UnreadableReason.NotDecodable, $"{format} could not be decoded: {e.Message}");
        }
        if (image.Empty())
        {
            image.Dispose();
            return new DecodedImage(null, UnreadableReason.NotDecodable, $"{format} could not be decoded");
        }
        // EXIF orientation may turn the image a quarter turn: either orientation of the declared size is that size.
        if (!(image.Width == header.Width && image.Height == header.Height) && !(image.Width == header.Height && image.Height == header.Width))
        {
            string detail = $"{format} decoded to {image.Width}x{image.Height}, not the {header.Width}x{header.Height} its header declares";
            image.Dispose();
            return new DecodedImage(null, UnreadableReason.NotDecodable, detail);
        }
        return new DecodedImage(image, null, null);
    }
}
