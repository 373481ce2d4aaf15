using System.Runtime.InteropServices;
using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedFace.Learning;

/// <summary>Turns aligned faces into unit-length embeddings with a given backbone state (of any <see cref="BackboneArchitecture"/>). Not thread-safe.</summary>
public sealed class FaceEmbedder : IDisposable
{
    private readonly FaceBackbone _backbone;

    public FaceEmbedder(ModelState backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        _backbone = BackboneArchitecture.Of(backbone).Create();
        try
        {
            BackboneState.Import(_backbone, backbone);
        }
        catch
        {
            _backbone.Dispose();
            throw;
        }
        _backbone.eval(); // BatchNorm from running statistics, so an embedding does not depend on its batch-mates
    }

    public int EmbeddingSize => _backbone.EmbeddingSize;

    /// <summary>
    /// <paramref name="pixels"/>: <paramref name="count"/> faces of 3x112x112 normalised floats (as in
    /// <see cref="FaceTrainingSet"/>). Returns count x <see cref="EmbeddingSize"/> floats, each row L2-normalised.
    /// </summary>
    public float[] Embed(float[] pixels, int count, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        const int size = FaceTrainingSet.ValuesPerImage;
        if (pixels.LongLength != (long)count * size)
        {
            throw new ArgumentException($"{count} faces need {(long)count * size} pixel values (3x112x112 each), got {pixels.LongLength}", nameof(pixels));
        }
        float[] embeddings = new float[count * EmbeddingSize];
        using var noGrad = no_grad();
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            using DisposeScope scope = NewDisposeScope();
            float[] batch = pixels.AsSpan(start * size, n * size).ToArray();
            Tensor faces = tensor(batch, [n, 3, FaceBackbone.InputSize, FaceBackbone.InputSize]);
            Tensor unit = F.normalize(_backbone.call(faces), dim: 1).contiguous();
            unit.bytes.CopyTo(MemoryMarshal.AsBytes(embeddings.AsSpan(start * EmbeddingSize, n * EmbeddingSize)));
        }
        NativeMemory.ReleaseFreed();
        return embeddings;
    }

    public void Dispose() => _backbone.Dispose();
}
