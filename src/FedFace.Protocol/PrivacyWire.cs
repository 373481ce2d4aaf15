using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Protocol;

/// <summary>A round's differential privacy as the round task carries it, and back.</summary>
public static class PrivacyWire
{
    /// <summary>The task's DP fields for a round without differential privacy.</summary>
    public static DifferentialPrivacyInstructions Off { get; } = new() { Mode = DpMode.Off };

    public static DifferentialPrivacyInstructions ToWire(DpRoundPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        DpSiteInstructions site = plan.SiteInstructions;
        return new DifferentialPrivacyInstructions
        {
            Mode = ModeToWire(plan.Mode),
            ClipNorm = site.ClipNorm,
            UpdateNoiseStddev = site.UpdateNoiseStandardDeviation,
            ReportUnclippedIndicator = site.ReportsUnclippedIndicator,
            IndicatorNoiseStddev = site.IndicatorNoiseStandardDeviation,
        };
    }

    /// <summary>The round's mode; an absent message or unset enum (an older aggregator) is Off.</summary>
    public static DifferentialPrivacyMode ModeOf(RoundTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Privacy?.Mode switch
        {
            DpMode.Central => DifferentialPrivacyMode.Central,
            DpMode.Distributed => DifferentialPrivacyMode.Distributed,
            null or DpMode.Unspecified or DpMode.Off => DifferentialPrivacyMode.Off,
            DpMode other => throw new InvalidDataException($"round {task.Round} asks for an unknown differential privacy mode {other}"),
        };
    }

    /// <summary>What the site must do to its delta in this round; null when the round has no differential privacy.</summary>
    public static DpSiteInstructions? SiteInstructionsOf(RoundTask task)
    {
        if (ModeOf(task) == DifferentialPrivacyMode.Off) return null;
        DifferentialPrivacyInstructions wire = task.Privacy;
        return new DpSiteInstructions(wire.ClipNorm, wire.UpdateNoiseStddev, wire.ReportUnclippedIndicator, wire.IndicatorNoiseStddev);
    }

    /// <summary>The round's aggregation; unset (an older aggregator) is plain.</summary>
    public static AggregationMode AggregationOf(RoundTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        // What the round does, not what it claims: only a task carrying the secure-aggregation stages is secure.
        return task.SecureAggregation is null ? AggregationMode.Plain : AggregationMode.SecureAggregation;
    }

    private static DpMode ModeToWire(DifferentialPrivacyMode mode) => mode switch
    {
        DifferentialPrivacyMode.Off => DpMode.Off,
        DifferentialPrivacyMode.Central => DpMode.Central,
        DifferentialPrivacyMode.Distributed => DpMode.Distributed,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "no wire value for this differential privacy mode"),
    };
}
