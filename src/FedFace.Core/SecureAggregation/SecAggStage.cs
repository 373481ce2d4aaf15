namespace FedFace.Core.SecureAggregation;

/// <summary>The protocol's stages, in order, and how a round can end.</summary>
public enum SecAggStage
{
    /// <summary>Stage 0: sites advertise their two X25519 public keys, signed.</summary>
    AdvertiseKeys,

    /// <summary>Stage 1: sites Shamir-share their self-mask seed and mask key, encrypted for each neighbour.</summary>
    ShareKeys,

    /// <summary>Stage 2: sites send their quantized, weighted, masked input.</summary>
    MaskedInput,

    /// <summary>Stage 3: every site whose masked input arrived signs the survivor set U3 (Bonawitz et al. §4), so no two
    /// sites can be shown different sets.</summary>
    ConsistencyCheck,

    /// <summary>Stage 4: sites that saw a quorum of signatures on U3 reveal the shares the server needs to remove the masks.</summary>
    Unmask,

    /// <summary>The sum has been produced.</summary>
    Completed,

    /// <summary>Too few sites survived: nothing was produced.</summary>
    Aborted,
}

/// <summary>The server's answer to one incoming message: accepted, or rejected with a reason naming the site.</summary>
public readonly record struct Acceptance(bool IsAccepted, string Reason)
{
    public static Acceptance Accepted { get; } = new(true, "");

    public static Acceptance Rejected(string reason) => new(false, reason);
}

/// <summary>A site refuses to go on with the round: a forged advertisement, a tampered share, an
/// inconsistent request from the server. The message names the sites involved.</summary>
public sealed class SecAggProtocolException : Exception
{
    public SecAggProtocolException(string message) : base(message) { }

    public SecAggProtocolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The round cannot produce a sum (too few sites survived a stage, or a secret could not be
/// reconstructed): nothing is output. Names the stage and the counts.</summary>
public sealed class SecAggAbortedException(SecAggStage stage, int survivors, int required, string detail)
    : Exception($"secure aggregation aborted at stage {stage}: {detail} ({survivors} left, {required} needed)")
{
    public SecAggStage Stage { get; } = stage;

    public int Survivors { get; } = survivors;

    public int Required { get; } = required;
}
