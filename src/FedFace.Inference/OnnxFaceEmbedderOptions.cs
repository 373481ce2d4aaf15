namespace FedFace.Inference;

/// <summary>How an <see cref="OnnxFaceEmbedder"/> runs its model.</summary>
public sealed record OnnxFaceEmbedderOptions
{
    /// <summary>Threads ONNX Runtime may use inside one operator (a convolution); 1 leaves the other cores to other work.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>
    /// Embed each face and its horizontal mirror, sum the two and normalise: a face is (nearly) symmetric, so
    /// this averages out some of the network's left/right noise, at twice the inference cost.
    /// </summary>
    public bool FlipTestTimeAugmentation { get; init; }

    /// <summary>How the model wants pixels scaled; faces are re-mapped from FaceTensor's (x − 127.5) / 127.5 to it.</summary>
    public ModelInputNormalization Normalization { get; init; } = ModelInputNormalization.Symmetric;

    /// <summary>Faces per inference call when the model takes a dynamic batch (a mirrored face counts as one).</summary>
    public int MaxBatchSize { get; init; } = 32;

    internal void Validate()
    {
        if (IntraOpThreads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "must be at least 1");
        }
        ArgumentNullException.ThrowIfNull(Normalization);
        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "must be at least 1");
        }
    }
}
