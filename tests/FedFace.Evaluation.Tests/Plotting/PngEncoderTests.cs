using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using FedFace.Evaluation.Plotting;

namespace FedFace.Evaluation.Tests.Plotting;

public sealed class PngEncoderTests
{
    [Fact]
    public void Writes_a_valid_png_whose_pixels_decompress_back_to_the_image()
    {
        var image = new RgbImage(width: 7, height: 3, Rgb.White);
        image.SetPixel(0, 0, new Rgb(255, 0, 0));
        image.SetPixel(6, 2, new Rgb(1, 2, 3));

        byte[] png = PngEncoder.Encode(image);

        Assert.Equal(PngEncoder.Signature.ToArray(), png[..8]);
        List<(string Type, byte[] Data)> chunks = ReadChunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        byte[] header = chunks[0].Data;
        Assert.Equal(13, header.Length);
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal([8, 2, 0, 0, 0], header[8..]); // 8 bits, RGB, deflate, filter method 0, no interlace

        byte[] scanlines = Inflate(chunks[1].Data);
        Assert.Equal(3 * (1 + 7 * 3), scanlines.Length);
        for (int y = 0; y < 3; y++)
        {
            Assert.Equal(0, scanlines[y * 22]); // filter type none
            Assert.Equal(image.Pixels.AsSpan(y * 21, 21).ToArray(), scanlines.AsSpan(y * 22 + 1, 21).ToArray());
        }
        Assert.Equal([255, 0, 0], scanlines[1..4]);
        Assert.Empty(chunks[2].Data);
    }

    /// <summary>Splits a PNG into chunks, checking each chunk's CRC-32 and that nothing follows IEND.</summary>
    internal static List<(string Type, byte[] Data)> ReadChunks(byte[] png)
    {
        var chunks = new List<(string, byte[])>();
        int at = 8;
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            ReadOnlySpan<byte> typeAndData = png.AsSpan(at + 4, 4 + length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(typeAndData), crc);
            chunks.Add((Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray()));
            at += 12 + length;
        }
        Assert.Equal(png.Length, at);
        return chunks;
    }

    internal static byte[] Inflate(byte[] zlib)
    {
        using var inflated = new MemoryStream();
        using (var stream = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress))
        {
            stream.CopyTo(inflated);
        }
        return inflated.ToArray();
    }
}
