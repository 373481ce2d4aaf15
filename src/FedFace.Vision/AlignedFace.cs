using System.Runtime.InteropServices;
using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// One aligned face crop, kept compactly as its 8-bit BGR pixels (row-major, no padding), with the
/// detection it came from and its quality measures. Turn it into the network's input with <see cref="ToTensor"/>.
/// </summary>
public sealed class AlignedFace
{
    public AlignedFace(int width, int height, byte[] bgr, FaceDetection detection, QualityMeasures measures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(detection);
        if (bgr.Length != width * height * 3)
        {
            throw new ArgumentException($"a {width}x{height} BGR crop has {width * height * 3} bytes, got {bgr.Length}", nameof(bgr));
        }
        Width = width;
        Height = height;
        Bgr = bgr;
        Detection = detection;
        Measures = measures;
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Bgr { get; }
    /// <summary>The face in the source image (box, landmarks, score), in source-image pixels.</summary>
    public FaceDetection Detection { get; }
    public QualityMeasures Measures { get; }

    /// <summary>Copies an aligned CV_8UC3 crop (any row step).</summary>
    public static AlignedFace FromMat(Mat alignedBgr, FaceDetection detection, QualityMeasures measures)
    {
        ArgumentNullException.ThrowIfNull(alignedBgr);
        if (alignedBgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected CV_8UC3, got {alignedBgr.Type()}", nameof(alignedBgr));
        }
        int width = alignedBgr.Width, height = alignedBgr.Height, rowBytes = width * 3;
        var bgr = new byte[rowBytes * height];
        var rows = alignedBgr.AsRows<Vec3b>();
        for (int y = 0; y < height; y++)
        {
            MemoryMarshal.AsBytes(rows[y]).CopyTo(bgr.AsSpan(y * rowBytes, rowBytes));
        }
        return new AlignedFace(width, height, bgr, detection, measures);
    }

    /// <summary>A new CV_8UC3 Mat holding a copy of the pixels; the caller disposes it.</summary>
    public Mat ToMat()
    {
        var mat = new Mat(Height, Width, MatType.CV_8UC3);
        Bgr.CopyTo(mat.AsSpan<byte>());
        return mat;
    }

    /// <summary>The pixels as the network wants them: float RGB planes (CHW), (x − 127.5) / 127.5.</summary>
    public float[] ToTensor()
    {
        var tensor = new float[Width * Height * 3];
        FaceTensor.WriteNormalizedRgbChw(Bgr, Width, Height, tensor);
        return tensor;
    }
}
