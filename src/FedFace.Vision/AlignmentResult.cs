namespace FedFace.Vision;

public enum AlignmentOutcome { Aligned, NoFace, Unreadable }

/// <summary>
/// What became of one image: <see cref="Pixels"/> holds <see cref="FaceTensor.Length"/> floats when
/// <see cref="Outcome"/> is <see cref="AlignmentOutcome.Aligned"/>; otherwise <see cref="Reason"/> says what was wrong.
/// </summary>
public sealed record AlignmentResult(AlignmentOutcome Outcome, float[]? Pixels, string? Reason)
{
    internal static AlignmentResult Aligned(float[] pixels) => new(AlignmentOutcome.Aligned, pixels, null);
    internal static AlignmentResult NoFace(string reason) => new(AlignmentOutcome.NoFace, null, reason);
    internal static AlignmentResult Unreadable(string reason) => new(AlignmentOutcome.Unreadable, null, reason);
}

/// <summary>The results of <see cref="FaceAlignmentPipeline.ProcessMany"/>, in input order.</summary>
public sealed class AlignedFaceBatch
{
    public AlignedFaceBatch(IReadOnlyList<AlignmentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        Results = results;
        AlignedCount = results.Count(r => r.Outcome == AlignmentOutcome.Aligned);
        NoFaceCount = results.Count(r => r.Outcome == AlignmentOutcome.NoFace);
        UnreadableCount = results.Count(r => r.Outcome == AlignmentOutcome.Unreadable);
    }

    public IReadOnlyList<AlignmentResult> Results { get; }
    public int AlignedCount { get; }
    public int NoFaceCount { get; }
    public int UnreadableCount { get; }
}
