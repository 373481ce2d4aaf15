using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Client;

/// <summary>
/// The least protection a site takes part under (Site:RequireDifferentialPrivacy, Site:MinimumAggregationMode). A round
/// task that offers less is refused: the site neither downloads the model nor trains in that round.
/// </summary>
public sealed record SiteProtectionPolicy(bool RequireDifferentialPrivacy, AggregationMode MinimumAggregationMode)
{
    /// <summary>Why the site refuses <paramref name="task"/>, as a sentence for its log; null when it takes part.</summary>
    public string? RefusalOf(RoundTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        DifferentialPrivacyMode mode;
        try
        {
            mode = PrivacyWire.ModeOf(task);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        if (RequireDifferentialPrivacy && mode == DifferentialPrivacyMode.Off)
        {
            return $"round {task.Round} trains without differential privacy, and Site:RequireDifferentialPrivacy is set";
        }
        AggregationMode aggregation = PrivacyWire.AggregationOf(task);
        if (aggregation < MinimumAggregationMode)
        {
            return $"round {task.Round} uses {aggregation} aggregation, weaker than Site:MinimumAggregationMode {MinimumAggregationMode}";
        }
        string? unusable = PrivacyWire.SiteInstructionsOf(task)?.Problems().FirstOrDefault();
        return unusable is null ? null : $"round {task.Round} carries unusable differential privacy instructions: {unusable}";
    }
}
