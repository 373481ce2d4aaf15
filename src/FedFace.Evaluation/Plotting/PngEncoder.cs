using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using FedFace.Core.Storage;

namespace FedFace.Evaluation.Plotting;

/// <summary>
/// The smallest useful PNG writer: 8-bit truecolour (colour type 2), no interlace, one IDAT chunk holding the
/// zlib-compressed scanlines, each prefixed with filter type 0 (none) — plots are mostly flat colour, which
/// deflate compresses well without predictors.
/// </summary>
public static class PngEncoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var png = new MemoryStream();
        png.Write(Signature);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8; // bits per channel
        header[9] = 2; // colour type: RGB
        // compression 0 (deflate), filter method 0, interlace 0 (none): already zero
        WriteChunk(png, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            int stride = image.Width * 3;
            for (int y = 0; y < image.Height; y++)
            {
                zlib.WriteByte(0); // filter type: none
                zlib.Write(image.Pixels, y * stride, stride);
            }
        }
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void Write(string path, RgbImage image)
    {
        byte[] png = Encode(image);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>Length (big-endian), type, data, then the CRC-32 of type and data.</summary>
    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }
}
