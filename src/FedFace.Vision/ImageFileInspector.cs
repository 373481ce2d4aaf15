using System.Buffers.Binary;

namespace FedFace.Vision;

public enum ImageFormat { Jpeg, Png, Bmp, Pnm, WebP }

/// <summary>Why a file gave no face to judge: it never reached the detector, or the detector failed on it.</summary>
public enum UnreadableReason
{
    FileNotFound,
    /// <summary>The operating system refused or failed the read (permissions, I/O error, bad path).</summary>
    ReadFailed,
    EmptyFile,
    /// <summary>Larger than <see cref="ImageFileInspector.MaxFileBytes"/>; not read at all.</summary>
    FileTooLarge,
    /// <summary>No JPEG, PNG, BMP, PGM/PPM or WebP signature.</summary>
    NotAnImage,
    /// <summary>A known signature but a header that makes no sense (zero size, lengths past the end…).</summary>
    CorruptHeader,
    /// <summary>The header is fine but the file stops before the image data does.</summary>
    Truncated,
    /// <summary>The header claims more than <see cref="ImageFileInspector.MaxPixels"/> pixels: refused before decoding.</summary>
    TooManyPixels,
    /// <summary>Passed every check here, yet OpenCV could not decode it.</summary>
    NotDecodable,
    /// <summary>Decoded, but OpenCV failed while detecting or aligning in it.</summary>
    DetectionFailed,
}

/// <summary>What <see cref="ImageFileInspector.Inspect"/> learned from a file's bytes without decoding them.</summary>
public readonly record struct ImageFileInfo(ImageFormat? Format, int Width, int Height, UnreadableReason? Problem, string? Detail)
{
    public bool IsAcceptable => Problem is null;
}

/// <summary>
/// Reads the dimensions of JPEG, PNG, BMP, PGM/PPM and WebP files from their headers, and walks their
/// structure far enough to tell a complete file from a truncated one, all without decoding a pixel.
/// </summary>
/// <remarks>
/// Decoding is where hostile or broken files hurt: a 20-byte file claiming 10000x5000 pixels would make
/// the decoder allocate 150 MB, and libjpeg fills a truncated JPEG with grey and calls it a success.
/// Checking the header first refuses the first kind cheaply and names the second.
/// </remarks>
public static class ImageFileInspector
{
    /// <summary>How people write the format's name: JPEG, PNG, BMP, PNM (PGM/PPM), WebP.</summary>
    public static string DisplayName(ImageFormat format) => format == ImageFormat.WebP ? "WebP" : format.ToString().ToUpperInvariant();

    /// <summary>40 megapixels: larger than any phone photo today, far beyond what a face crop needs.</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>Files larger than this are not read (a 40 MP image is under 100 MB in any format we accept).</summary>
    public const long MaxFileBytes = 256L << 20;

    public static ImageFileInfo Inspect(ReadOnlySpan<byte> file)
    {
        if (file.IsEmpty)
        {
            return Problem(null, UnreadableReason.EmptyFile, "file is empty");
        }
        if (file.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return InspectJpeg(file);
        }
        if (file.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return InspectPng(file);
        }
        if (file.StartsWith("BM"u8))
        {
            return InspectBmp(file);
        }
        if (file.Length >= 2 && file[0] == 'P' && file[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6')
        {
            return InspectPnm(file);
        }
        if (file.StartsWith("RIFF"u8) && file.Length >= 12 && file.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return InspectWebP(file);
        }
        return Problem(null, UnreadableReason.NotAnImage, "not an image (no JPEG, PNG, BMP, PGM/PPM or WebP signature)");
    }

    private static ImageFileInfo Problem(ImageFormat? format, UnreadableReason reason, string detail) => new(format, 0, 0, reason, detail);

    /// <summary>Applies the size rules every format shares once its dimensions are known.</summary>
    private static ImageFileInfo Sized(ImageFormat format, long width, long height)
    {
        if (width <= 0 || height <= 0)
        {
            return Problem(format, UnreadableReason.CorruptHeader, $"{DisplayName(format)} header gives a size of {width}x{height}");
        }
        // Each side first: two 32-bit sizes (or PNM's ten-digit ones) can multiply past a long and wrap to a small product.
        if (width > MaxPixels || height > MaxPixels || width * height > MaxPixels)
        {
            return new ImageFileInfo(format, (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue), UnreadableReason.TooManyPixels,
                $"{DisplayName(format)} header claims {width}x{height} = {(double)width * height / 1e6:F1} megapixels (limit {MaxPixels / 1e6:F0})");
        }
        return new ImageFileInfo(format, (int)width, (int)height, null, null);
    }

    private static ImageFileInfo Truncated(ImageFormat format, string detail) => Problem(format, UnreadableReason.Truncated, $"truncated {DisplayName(format)}: {detail}");

    private static ImageFileInfo InspectJpeg(ReadOnlySpan<byte> file)
    {
        // Walk the marker segments from SOI. Entropy-coded data after SOS has no length, so scan it for the
        // next marker (0xFF followed by neither 0x00 stuffing nor a restart marker). Reaching EOI means the
        // file is complete; whatever follows EOI (padding, an appended video) is not our business.
        ImageFileInfo? size = null;
        int at = 2;
        while (true)
        {
            if (at + 2 > file.Length)
            {
                return Truncated(ImageFormat.Jpeg, "no end-of-image marker");
            }
            if (file[at] != 0xFF)
            {
                return Problem(ImageFormat.Jpeg, UnreadableReason.CorruptHeader, $"JPEG marker expected at byte {at}");
            }
            byte marker = file[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }
            if (marker == 0xD9)
            {
                return size ?? Problem(ImageFormat.Jpeg, UnreadableReason.CorruptHeader, "JPEG ends before any frame header");
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // markers without a length
                continue;
            }
            if (at + 4 > file.Length)
            {
                return Truncated(ImageFormat.Jpeg, "segment header cut off");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[(at + 2)..]);
            if (length < 2)
            {
                return Problem(ImageFormat.Jpeg, UnreadableReason.CorruptHeader, $"JPEG segment length {length} at byte {at}");
            }
            bool isFrameHeader = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrameHeader && size is null)
            {
                if (at + 9 > file.Length)
                {
                    return Truncated(ImageFormat.Jpeg, "frame header cut off");
                }
                size = Sized(ImageFormat.Jpeg, BinaryPrimitives.ReadUInt16BigEndian(file[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(file[(at + 5)..]));
                if (!size.Value.IsAcceptable)
                {
                    return size.Value; // refuse before looking any further
                }
            }
            at += 2 + length;
            if (marker != 0xDA)
            {
                continue;
            }
            // Start of scan: skip its entropy-coded data up to the next real marker.
            while (true)
            {
                if (at >= file.Length)
                {
                    return Truncated(ImageFormat.Jpeg, "image data stops before the end-of-image marker");
                }
                int ff = file[at..].IndexOf((byte)0xFF);
                if (ff < 0 || at + ff + 1 >= file.Length)
                {
                    return Truncated(ImageFormat.Jpeg, "image data stops before the end-of-image marker");
                }
                at += ff;
                byte next = file[at + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7 || next == 0xFF)
                {
                    at += next == 0xFF ? 1 : 2;
                    continue;
                }
                break;
            }
        }
    }

    private static ImageFileInfo InspectPng(ReadOnlySpan<byte> file)
    {
        // Signature (8), then chunks of length (4), type (4), data, CRC (4); IHDR first, IEND last.
        const int signature = 8;
        if (file.Length < signature + 8 + 13 || !file.Slice(signature + 4, 4).SequenceEqual("IHDR"u8))
        {
            return file.Length < signature + 8 + 13
                ? Truncated(ImageFormat.Png, "header cut off")
                : Problem(ImageFormat.Png, UnreadableReason.CorruptHeader, "PNG does not start with IHDR");
        }
        ImageFileInfo size = Sized(ImageFormat.Png, BinaryPrimitives.ReadUInt32BigEndian(file[16..]), BinaryPrimitives.ReadUInt32BigEndian(file[20..]));
        if (!size.IsAcceptable)
        {
            return size;
        }
        long at = signature;
        while (at + 8 <= file.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(file[(int)at..]);
            if (file.Slice((int)at + 4, 4).SequenceEqual("IEND"u8))
            {
                return size;
            }
            at += 12 + length;
        }
        return Truncated(ImageFormat.Png, "no IEND chunk");
    }

    private static ImageFileInfo InspectBmp(ReadOnlySpan<byte> file)
    {
        // BITMAPFILEHEADER (14 bytes: "BM", file size, reserved, pixel offset), then the DIB header.
        if (file.Length < 26)
        {
            return Truncated(ImageFormat.Bmp, "header cut off");
        }
        uint declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(file[2..]);
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(file[14..]);
        // The old OS/2 header has 16-bit sizes; every later one has 32-bit signed sizes (negative height = top-down).
        ImageFileInfo size = dibSize == 12
            ? Sized(ImageFormat.Bmp, BinaryPrimitives.ReadUInt16LittleEndian(file[18..]), BinaryPrimitives.ReadUInt16LittleEndian(file[20..]))
            : Sized(ImageFormat.Bmp, BinaryPrimitives.ReadInt32LittleEndian(file[18..]), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(file[22..])));
        if (size.IsAcceptable && declaredSize > file.Length)
        {
            return Truncated(ImageFormat.Bmp, $"header says {declaredSize} bytes, file has {file.Length}");
        }
        return size;
    }

    private static ImageFileInfo InspectPnm(ReadOnlySpan<byte> file)
    {
        // "P5" width height maxval, separated by whitespace, '#' comments allowed; one whitespace byte, then pixels.
        int at = 2;
        var fields = new long[3];
        for (int f = 0; f < fields.Length; f++)
        {
            while (at < file.Length && (IsWhitespace(file[at]) || file[at] == '#'))
            {
                if (file[at] == '#')
                {
                    while (at < file.Length && file[at] != '\n')
                    {
                        at++;
                    }
                }
                else
                {
                    at++;
                }
            }
            int start = at;
            while (at < file.Length && file[at] is >= (byte)'0' and <= (byte)'9' && at - start < 10)
            {
                fields[f] = fields[f] * 10 + (file[at] - '0');
                at++;
            }
            if (at == start)
            {
                return at >= file.Length ? Truncated(ImageFormat.Pnm, "header cut off") : Problem(ImageFormat.Pnm, UnreadableReason.CorruptHeader, "PNM header is not three numbers");
            }
        }
        ImageFileInfo size = Sized(ImageFormat.Pnm, fields[0], fields[1]);
        if (!size.IsAcceptable || fields[2] is < 1 or > 65535)
        {
            return size.IsAcceptable ? Problem(ImageFormat.Pnm, UnreadableReason.CorruptHeader, $"PNM maximum value {fields[2]}") : size;
        }
        bool binary = file[1] is (byte)'5' or (byte)'6';
        if (binary)
        {
            long channels = file[1] == '6' ? 3 : 1, bytesPerSample = fields[2] > 255 ? 2 : 1;
            long needed = at + 1 + fields[0] * fields[1] * channels * bytesPerSample;
            if (needed > file.Length)
            {
                return Truncated(ImageFormat.Pnm, $"{needed} bytes needed, file has {file.Length}");
            }
        }
        return size;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0B or 0x0C;

    private static ImageFileInfo InspectWebP(ReadOnlySpan<byte> file)
    {
        // "RIFF" size "WEBP", then the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended).
        if (file.Length < 30)
        {
            return Truncated(ImageFormat.WebP, "header cut off");
        }
        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        ReadOnlySpan<byte> chunk = file.Slice(12, 4);
        ImageFileInfo size;
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
            if (!file.Slice(23, 3).SequenceEqual((ReadOnlySpan<byte>)[0x9D, 0x01, 0x2A]))
            {
                return Problem(ImageFormat.WebP, UnreadableReason.CorruptHeader, "VP8 start code missing");
            }
            size = Sized(ImageFormat.WebP, BinaryPrimitives.ReadUInt16LittleEndian(file[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(file[28..]) & 0x3FFF);
        }
        else if (chunk.SequenceEqual("VP8L"u8))
        {
            // Signature 0x2F, then width−1 and height−1 as two 14-bit fields.
            if (file[20] != 0x2F)
            {
                return Problem(ImageFormat.WebP, UnreadableReason.CorruptHeader, "VP8L signature missing");
            }
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(file[21..]);
            size = Sized(ImageFormat.WebP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        else if (chunk.SequenceEqual("VP8X"u8))
        {
            // Flags (4 bytes), then canvas width−1 and height−1 as 24-bit fields.
            size = Sized(ImageFormat.WebP, ReadUInt24(file[24..]) + 1L, ReadUInt24(file[27..]) + 1L);
        }
        else
        {
            return Problem(ImageFormat.WebP, UnreadableReason.CorruptHeader, "unknown WebP chunk");
        }
        if (size.IsAcceptable && riffEnd > file.Length)
        {
            return Truncated(ImageFormat.WebP, $"RIFF says {riffEnd} bytes, file has {file.Length}");
        }
        return size;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> b) => b[0] | (b[1] << 8) | (b[2] << 16);
}
