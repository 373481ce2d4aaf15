using FedFace.Core.SecureAggregation;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>How many sites answered one stage of a secure round (by its close) out of how many it asked.</summary>
public sealed record SecAggStageCount(SecAggStage Stage, int Asked, int Answered);

/// <summary>What a secure round's stages saw, for logs, observers and reports: counts and reasons, never an input.</summary>
public sealed record SecureRoundReport(int Sampled, int NeighbourCount, int Threshold, IReadOnlyList<SecAggStageCount> Stages, string? AbortReason)
{
    /// <summary>Answers per stage in order, e.g. "4→4→3→3" (a stage the round never reached is left out).</summary>
    public string Survivors => string.Join("→", Stages.Select(s => s.Answered));
}

/// <summary>How a secure round ended: the unmasked sum, or why there is none.</summary>
public sealed record SecureRoundOutcome(SecAggResult? Result, IReadOnlyDictionary<string, string> Rejections, SecureRoundReport Report);
