namespace FedFace.Vision;

public enum AlignmentOutcome
{
    /// <summary>A face was found, aligned and passed the quality gate.</summary>
    Aligned,
    /// <summary>The image decoded but no face was found in it.</summary>
    NoFace,
    /// <summary>A face was found and aligned but failed a rule; <see cref="AlignmentResult.Rejection"/> says which.</summary>
    Rejected,
    /// <summary>The file never reached the detector; <see cref="AlignmentResult.Unreadable"/> says why.</summary>
    Unreadable,
}

/// <summary>
/// What became of one image. <see cref="Face"/> holds the aligned crop when the outcome is
/// <see cref="AlignmentOutcome.Aligned"/> or <see cref="AlignmentOutcome.Rejected"/> (so rejected faces
/// can be looked at); <see cref="Reason"/> explains every other outcome in words.
/// </summary>
public sealed class AlignmentResult
{
    private AlignmentResult(AlignmentOutcome outcome, AlignedFace? face, string? reason, RejectionReason? rejection, UnreadableReason? unreadable, bool fromCache)
    {
        Outcome = outcome;
        Face = face;
        Reason = reason;
        Rejection = rejection;
        Unreadable = unreadable;
        FromCache = fromCache;
    }

    public AlignmentOutcome Outcome { get; }
    public AlignedFace? Face { get; }
    public string? Reason { get; }
    public RejectionReason? Rejection { get; }
    public UnreadableReason? Unreadable { get; }
    /// <summary>True when the outcome came from <see cref="AlignedFaceCache"/> and no detection ran.</summary>
    public bool FromCache { get; }

    /// <summary>The kept face as network input (RGB CHW, (x − 127.5) / 127.5).</summary>
    /// <exception cref="InvalidOperationException">when the outcome is not <see cref="AlignmentOutcome.Aligned"/>.</exception>
    public float[] ToTensor() => Outcome == AlignmentOutcome.Aligned
        ? Face!.ToTensor()
        : throw new InvalidOperationException($"no aligned face: {Outcome} ({Reason})");

    internal static AlignmentResult Aligned(AlignedFace face, bool fromCache) => new(AlignmentOutcome.Aligned, face, null, null, null, fromCache);
    internal static AlignmentResult NoFace(bool fromCache) => new(AlignmentOutcome.NoFace, null, "no face found", null, null, fromCache);
    internal static AlignmentResult Rejected(AlignedFace face, RejectionReason reason, string explanation, bool fromCache) =>
        new(AlignmentOutcome.Rejected, face, explanation, reason, null, fromCache);
    internal static AlignmentResult UnreadableFile(UnreadableReason reason, string explanation) =>
        new(AlignmentOutcome.Unreadable, null, explanation, null, reason, false);

    public override string ToString() => Reason is null ? Outcome.ToString() : $"{Outcome}: {Reason}";
}

/// <summary>The results of <see cref="FaceAlignmentPipeline.ProcessMany"/>, in input order, with counts by outcome and reason.</summary>
public sealed class AlignedFaceBatch
{
    public AlignedFaceBatch(IReadOnlyList<AlignmentResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        Results = results;
        AlignedCount = results.Count(r => r.Outcome == AlignmentOutcome.Aligned);
        NoFaceCount = results.Count(r => r.Outcome == AlignmentOutcome.NoFace);
        RejectedCount = results.Count(r => r.Outcome == AlignmentOutcome.Rejected);
        UnreadableCount = results.Count(r => r.Outcome == AlignmentOutcome.Unreadable);
        CacheHits = results.Count(r => r.FromCache);
        RejectedBy = results.Where(r => r.Rejection is not null).GroupBy(r => r.Rejection!.Value).ToDictionary(g => g.Key, g => g.Count());
        UnreadableBy = results.Where(r => r.Unreadable is not null).GroupBy(r => r.Unreadable!.Value).ToDictionary(g => g.Key, g => g.Count());
    }

    public IReadOnlyList<AlignmentResult> Results { get; }
    public int AlignedCount { get; }
    public int NoFaceCount { get; }
    public int RejectedCount { get; }
    public int UnreadableCount { get; }
    public int CacheHits { get; }
    /// <summary>Rejected faces per reason; only reasons that occurred are present.</summary>
    public IReadOnlyDictionary<RejectionReason, int> RejectedBy { get; }
    /// <summary>Unreadable files per reason; only reasons that occurred are present.</summary>
    public IReadOnlyDictionary<UnreadableReason, int> UnreadableBy { get; }
}
