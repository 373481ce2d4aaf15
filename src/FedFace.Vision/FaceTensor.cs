using System.Runtime.InteropServices;
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
        // Row access honours the row step, so ROIs (non-continuous Mats) work too.
        var rows = alignedBgr.AsRows<Vec3b>();
        for (int y = 0; y < Height; y++)
        {
            WriteRow(MemoryMarshal.AsBytes(rows[y]), y, Width, Height, destination);
        }
    }

    /// <summary>
    /// The same normalisation for a crop of any size held as packed BGR bytes (row-major, no padding):
    /// <paramref name="destination"/> gets 3 planes of <paramref name="width"/> x <paramref name="height"/>.
    /// </summary>
    public static void WriteNormalizedRgbChw(ReadOnlySpan<byte> bgr, int width, int height, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (bgr.Length != width * height * Channels || destination.Length != width * height * Channels)
        {
            throw new ArgumentException($"a {width}x{height} crop needs {width * height * Channels} bytes and floats; got {bgr.Length} and {destination.Length}");
        }
        for (int y = 0; y < height; y++)
        {
            WriteRow(bgr.Slice(y * width * Channels, width * Channels), y, width, height, destination);
        }
    }

    private static void WriteRow(ReadOnlySpan<byte> rowBgr, int y, int width, int height, Span<float> destination)
    {
        int plane = width * height;
        Span<float> red = destination.Slice(y * width, width);
        Span<float> green = destination.Slice(plane + y * width, width);
        Span<float> blue = destination.Slice(2 * plane + y * width, width);
        for (int x = 0; x < width; x++)
        {
            blue[x] = (rowBgr[3 * x] - Mean) / Mean;
            green[x] = (rowBgr[3 * x + 1] - Mean) / Mean;
            red[x] = (rowBgr[3 * x + 2] - Mean) / Mean;
        }
    }
}
