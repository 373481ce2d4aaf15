namespace FedFace.Core.Privacy;

/// <summary>
/// The DP state a committed round hands to the next: the clip it starts from (adaptive clipping moves it) and the
/// privacy spent so far. Written with each committed round, it lets a restarted aggregator resume the same budget
/// instead of starting ε from zero. Plain data for System.Text.Json.
/// </summary>
public sealed record DifferentialPrivacyCheckpoint(double ClipNorm, RdpAccountantCheckpoint Accountant)
{
    /// <summary>Before the first round: the configured clip, nothing spent.</summary>
    public static DifferentialPrivacyCheckpoint Initial(DifferentialPrivacySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new DifferentialPrivacyCheckpoint(settings.ClipNorm, new RdpAccountant().ToCheckpoint());
    }

    /// <summary>After a committed round: its outcome's next clip and the accountant that composed it.</summary>
    public static DifferentialPrivacyCheckpoint After(DpRoundOutcome outcome, RdpAccountant accountant)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(accountant);
        return new DifferentialPrivacyCheckpoint(outcome.NextClipNorm, accountant.ToCheckpoint());
    }

    /// <summary>The accountant this checkpoint records, its compositions replayed; throws InvalidDataException if impossible.</summary>
    public RdpAccountant RestoreAccountant()
    {
        if (!(ClipNorm > 0) || !double.IsFinite(ClipNorm)) throw new InvalidDataException($"the DP checkpoint holds an impossible clip norm {ClipNorm}");
        return RdpAccountant.FromCheckpoint(Accountant ?? throw new InvalidDataException("the DP checkpoint holds no accountant"));
    }
}
