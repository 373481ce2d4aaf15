using System.Runtime.InteropServices;
using FedFace.Learning.Backbones;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>Faces (3x112x112 floats each, CHW) into a network input tensor.</summary>
internal static class FaceBatch
{
    /// <summary>
    /// A new [count, 3, 112, 112] tensor holding a copy of <paramref name="pixels"/>, in libtorch's own memory: no
    /// managed array is pinned or shared, so the caller may reuse its buffer at once and the GC never sees the batch.
    /// </summary>
    public static Tensor ToTensor(ReadOnlySpan<float> pixels, int count)
    {
        if (pixels.Length != count * FaceTrainingSet.ValuesPerImage)
        {
            throw new ArgumentException($"{count} faces need {count * FaceTrainingSet.ValuesPerImage} values, got {pixels.Length}", nameof(pixels));
        }
        Tensor faces = empty(count, 3, FaceBackbone.InputSize, FaceBackbone.InputSize);
        MemoryMarshal.AsBytes(pixels).CopyTo(faces.bytes);
        return faces;
    }
}
