using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>What became of one photo: its unit-length embedding, or why it has none.</summary>
/// <param name="SkippedAs">a short category to count skips by ("no face found", "rejected: too blurred", "unreadable: truncated").</param>
/// <param name="Reason">the full explanation for this photo ("face rejected: too blurred (sharpness 12.0 &lt; 40.0)").</param>
public sealed record PhotoEmbedding(string Path, float[]? Embedding, string? SkippedAs, string? Reason)
{
    /// <summary>The photo whose alignment came to <paramref name="result"/>, which holds no face to embed.</summary>
    internal static PhotoEmbedding Skipped(string path, AlignmentResult result) => new(path, null, SkipCategory(result), Explain(result));

    private static string SkipCategory(AlignmentResult result) => result.Outcome switch
    {
        AlignmentOutcome.NoFace => "no face found",
        AlignmentOutcome.Rejected => $"rejected: {ReasonWords.Of(result.Rejection!.Value)}",
        AlignmentOutcome.Unreadable => $"unreadable: {ReasonWords.Of(result.Unreadable!.Value)}",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, "an aligned face is not skipped"),
    };

    /// <summary>The photo's reason in words; a rejected face says so, as its reason names only the failed measure.</summary>
    private static string Explain(AlignmentResult result) =>
        result.Outcome == AlignmentOutcome.Rejected ? $"face rejected: {result.Reason}" : result.Reason ?? result.Outcome.ToString();
}

/// <summary>Photos aligned by <see cref="FaceEmbedding.AlignFiles"/>, in input order, and the seconds it took.</summary>
public sealed record AlignedPhotos(IReadOnlyList<string> Paths, AlignedFaceBatch Batch, double Seconds);

/// <summary>The photos of one <see cref="FaceEmbedding"/> call, in input order, and the seconds spent aligning and embedding.</summary>
/// <param name="EmbeddingSize">values in each embedding: the model's, whether or not any photo had a face.</param>
public sealed record EmbeddedPhotos(IReadOnlyList<PhotoEmbedding> Photos, int EmbeddingSize, int CacheHits, double AlignSeconds, double EmbedSeconds)
{
    public double Seconds => AlignSeconds + EmbedSeconds;

    public int EmbeddedCount => Photos.Count(p => p.Embedding is not null);

    /// <summary>Skipped photos per category, most frequent first.</summary>
    public IReadOnlyList<(string Category, int Count)> SkippedByCategory =>
        [.. Photos.Where(p => p.SkippedAs is not null).GroupBy(p => p.SkippedAs!).Select(g => (g.Key, g.Count())).OrderByDescending(c => c.Item2).ThenBy(c => c.Key, StringComparer.Ordinal)];

    /// <summary>Each photo's embedding (null: no usable face) by its path as given; a path given twice has one embedding.</summary>
    public IReadOnlyDictionary<string, float[]?> EmbeddingsByPath()
    {
        var byPath = new Dictionary<string, float[]?>(Photos.Count, StringComparer.Ordinal);
        foreach (PhotoEmbedding photo in Photos)
        {
            byPath.TryAdd(photo.Path, photo.Embedding);
        }
        return byPath;
    }
}
