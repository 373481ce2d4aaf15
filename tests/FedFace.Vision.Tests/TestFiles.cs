using System.Buffers.Binary;
using System.IO.Compression;
using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

/// <summary>A temporary folder per test and the small files tests build in it (never copies kept in the repository).</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("fedface-vision-").FullName;

    public string File(string relativePath, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string CopyOf(string relativePath, string source) => File(relativePath, System.IO.File.ReadAllBytes(source));

    public string Image(string relativePath, Mat image)
    {
        string path = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Assert.True(Cv2.ImWrite(path, image), $"could not write {path}");
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public static class TestImages
{
    public static Mat Lfw(string person, int number) => Cv2.ImRead(SharedData.LfwImage(person, number), ImreadModes.Color);

    public static byte[] LfwBytes(string person, int number) => File.ReadAllBytes(SharedData.LfwImage(person, number));

    /// <summary>The first half of a real JPEG: header intact, image data cut off.</summary>
    public static byte[] TruncatedJpeg()
    {
        byte[] whole = LfwBytes("Aaron_Peirsol", 1);
        return whole[..(whole.Length / 2)];
    }

    /// <summary>A 33-byte PNG: signature and an IHDR chunk claiming the given size, no pixel data.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var png = new byte[8 + 25];
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(8), 13);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), (uint)height);
        png[24] = 8; // bit depth; colour type 0 (grey), CRC left zero: we never get as far as checking it
        return png;
    }

    /// <summary>SOI, a baseline frame header claiming the given size, EOI: 15 bytes, nothing to decode.</summary>
    public static byte[] JpegHeaderOnly(int width, int height)
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9];
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(7), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(9), (ushort)width);
        return jpeg;
    }

    /// <summary>
    /// A complete, valid grey PNG of the given size whose pixels are all zero: it compresses to a few tens
    /// of kilobytes, but decoding it would allocate width x height x 3 bytes.
    /// </summary>
    public static byte[] ValidBlankPng(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0, then zero pixels
            for (int y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }
        return GreyPng(width, height, idat.ToArray());
    }

    /// <summary>A PNG whose chunk structure is sound but whose image data is not zlib data: only the decoder can tell.</summary>
    public static byte[] PngWithGarbageData() => GreyPng(16, 16, [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11))]);

    private static byte[] GreyPng(int width, int height, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8;
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", idat);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        png.Write(word);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        png.Write(word);
    }

    /// <summary>The PNG/zlib CRC-32 (polynomial 0xEDB88320), bit by bit: chunks here are few.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }
}
