using System.Globalization;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Client;

/// <summary>
/// The least protection a site takes part under (Site:RequireDifferentialPrivacy, Site:MinimumAggregationMode,
/// Site:MinimumCorruptFraction). A round task that offers less is refused: the site neither downloads the model nor
/// trains in that round.
/// </summary>
/// <param name="MinimumCorruptFraction">
/// γ: a secure round must withstand ⌊γ·n⌋ of its n sites colluding with the aggregator (its configuration's colluders
/// withstood, see docs/security-model.md); 0 asks for no margin beyond the aggregator alone.
/// </param>
public sealed record SiteProtectionPolicy(bool RequireDifferentialPrivacy, AggregationMode MinimumAggregationMode, double MinimumCorruptFraction = 0)
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
        return unusable is null ? CollusionMarginRefusalOf(task) : $"round {task.Round} carries unusable differential privacy instructions: {unusable}";
    }

    /// <summary>A secure round sized for fewer colluders than this site insists on; an unreadable configuration is left to the round's own checks.</summary>
    private string? CollusionMarginRefusalOf(RoundTask task)
    {
        if (MinimumCorruptFraction <= 0 || task.SecureAggregation is not { } secure)
        {
            return null;
        }
        RoundConfiguration configuration;
        try
        {
            configuration = RoundConfiguration.FromBytes(secure.Configuration.ToByteArray());
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
        int sites = configuration.SiteIds.Count;
        int required = NeighbourhoodRule.CorruptSites(sites, MinimumCorruptFraction);
        return configuration.ColludersWithstood >= required
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"round {task.Round}'s secure aggregation withstands {configuration.ColludersWithstood} of its {sites} sites colluding with the aggregator, "
                + $"fewer than the {required} Site:MinimumCorruptFraction {MinimumCorruptFraction} asks for");
    }
}
