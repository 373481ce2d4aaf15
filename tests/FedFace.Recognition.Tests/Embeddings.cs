namespace FedFace.Recognition.Tests;

/// <summary>Hand-made embeddings for protocol tests: no model, no photos.</summary>
internal static class Embeddings
{
    /// <summary>The unit vector along <paramref name="axis"/>: two people on different axes score 0, the same axis 1.</summary>
    public static float[] Axis(int axis, int dimension = 4)
    {
        var embedding = new float[dimension];
        embedding[axis] = 1;
        return embedding;
    }

    /// <summary>Photos as a <see cref="FaceEmbedding"/> would report them; a null embedding is a photo without a face.</summary>
    public static EmbeddedPhotos Photos(params (string Path, float[]? Embedding)[] photos) =>
        new([.. photos.Select(p => p.Embedding is null
                ? new PhotoEmbedding(p.Path, null, "no face found", "no face found")
                : new PhotoEmbedding(p.Path, p.Embedding, null, null))],
            EmbeddingSize: 4, CacheHits: 0, AlignSeconds: 0, EmbedSeconds: 0);
}
