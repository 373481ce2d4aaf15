using System.Buffers.Binary;
using System.Text;
using CsCheck;
using FedFace.DevelopmentData;
using FedFace.Vision;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// The photo path a site runs on every file in its data folder: header inspection, then decoding. Real LFW JPEGs and ORL
/// PGMs, and PNG, BMP and WebP encodings of them, mutated; and headers declaring boundary sizes. A file is decoded, or
/// refused with an <see cref="UnreadableReason"/> and a detail saying why; nothing throws, and no image is decoded
/// beyond the pixel limit or at another size than its header declared.
/// </summary>
public sealed class ImageFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void A_mutated_photo_is_decoded_at_its_declared_size_or_refused_with_a_reason()
    {
        byte[][] seeds = Photos();
        Gen<byte[]> cases = Gen.Frequency((3, Mutations.Of(seeds)), (1, DeclaringSizes(seeds)));

        new FuzzCampaign("images", output) { MaxAllocatedBytes = 8 << 20 }.Run(cases, ciCases: 3000, bytes =>
        {
            ImageFileInfo header = ImageFileInspector.Inspect(bytes);
            if (header.Problem is not null)
            {
                return header.Detail;
            }
            if (header.Width <= 0 || header.Height <= 0 || (long)header.Width * header.Height > ImageFileInspector.MaxPixels)
            {
                throw new InvalidOperationException($"the inspector accepted a {header.Width}x{header.Height} {header.Format}");
            }
            DecodedImage decoded = ImageDecoding.Decode(bytes, header);
            using Mat? image = decoded.Image;
            return decoded.Detail;
        }, bytes => bytes);
    }

    /// <summary>Two LFW JPEGs, two ORL PGMs, and one LFW photo re-encoded as PNG, BMP and (where OpenCV writes it) WebP.</summary>
    private static byte[][] Photos()
    {
        string[] jpegs = [SharedData.LfwImage("Aaron_Peirsol", 1), SharedData.LfwImage("Abdoulaye_Wade", 1)];
        string[] pgms = [Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"), Path.Combine(SharedData.OrlDirectory, "s2", "1.pgm")];
        var photos = jpegs.Concat(pgms).Select(File.ReadAllBytes).ToList();
        using Mat photo = Cv2.ImRead(jpegs[0], ImreadModes.Color);
        using Mat small = photo.Resize(new OpenCvSharp.Size(64, 64));
        foreach (string extension in new[] { ".png", ".bmp", ".webp" })
        {
            try
            {
                if (Cv2.ImEncode(extension, small, out byte[] encoded))
                {
                    photos.Add(encoded);
                }
            }
            catch (OpenCVException)
            {
                // this OpenCV build has no encoder for it: fuzz the others
            }
        }
        return [.. photos];
    }

    /// <summary>A seed with the width and height fields of its header set to boundary or random values.</summary>
    private static Gen<byte[]> DeclaringSizes(byte[][] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Mutations.Word, Mutations.Word, (i, width, height) => WithDeclaredSize(seeds[i], width, height));

    private static byte[] WithDeclaredSize(byte[] seed, uint width, uint height)
    {
        byte[] file = (byte[])seed.Clone();
        ImageFileInfo info = ImageFileInspector.Inspect(seed);
        switch (info.Format)
        {
            case ImageFormat.Png:
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(16), width);
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(20), height);
                return file;
            case ImageFormat.Bmp:
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(18), width);
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(22), height);
                return file;
            case ImageFormat.Jpeg when FrameHeaderAt(file) is int frame:
                BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(frame + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(frame + 7), (ushort)width);
                return file;
            case ImageFormat.Pnm:
                // Keep the pixels, rewrite the text header with the new numbers (up to ten digits each).
                int pixels = file.Length - info.Width * info.Height;
                return [.. Encoding.ASCII.GetBytes($"P5\n{width % 10_000_000_000L} {height}\n255\n"), .. file[pixels..]];
            default:
                return file;
        }
    }

    private static int? FrameHeaderAt(byte[] jpeg)
    {
        for (int at = 2; at + 9 < jpeg.Length; at++)
        {
            if (jpeg[at] == 0xFF && jpeg[at + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return at;
            }
        }
        return null;
    }
}
