using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// The recognition network's input: float32, 3x112x112, channels R, G, B (CHW), values (x − 127.5) / 127.5.
/// </summary>
public static class FaceTensor
{
    public const int Channels = 3, Height = 112, Width = 112, Length = Channels * Height * Width;

    // Divide rather than multiply by 1/127.5 so values match the reference (x - 127.5) / 127.5 bit for bit.
    private const float Mean = 127.5f;

    public static void WriteNormalizedRgbChw(Mat alignedBgr, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(alignedBgr);
        if (alignedBgr.Type() != MatType.CV_8UC3 || alignedBgr.Width != Width || alignedBgr.Height != Height)
        {
            throw new ArgumentException($"expected a {Width}x{Height} CV_8UC3 image, got {alignedBgr.Type()} {alignedBgr.Width}x{alignedBgr.Height}", nameof(alignedBgr));
        }
        if (destination.Length != Length)
        {
            throw new ArgumentException($"destination must hold exactly {Length} floats, has {destination.Length}", nameof(destination));
        }

        const int plane = Height * Width;
        Span<float> red = destination[..plane], green = destination.Slice(plane, plane), blue = destination[(2 * plane)..];
        // Row access honours the row step, so ROIs (non-continuous Mats) work too.
        var rows = alignedBgr.AsRows<Vec3b>();
        for (int y = 0; y < Height; y++)
        {
            Span<Vec3b> row = rows[y];
            for (int x = 0; x < Width; x++)
            {
                Vec3b bgr = row[x];
                int i = y * Width + x;
                red[i] = (bgr.Item2 - Mean) / Mean;
                green[i] = (bgr.Item1 - Mean) / Mean;
                blue[i] = (bgr.Item0 - Mean) / Mean;
            }
        }
    }
}
