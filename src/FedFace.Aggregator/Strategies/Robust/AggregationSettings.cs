using System.Globalization;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>How a plain round's updates are combined (section Aggregator:Aggregation), validated at start-up.</summary>
public sealed class AggregationSettings
{
    /// <summary>The names <see cref="Rule"/> accepts.</summary>
    public const string RuleNames = "fedavg, median, trimmed-mean or multi-krum";

    /// <summary>fedavg (the example-weighted mean), median, trimmed-mean or multi-krum.</summary>
    public string Rule { get; set; } = "fedavg";

    /// <summary>
    /// f, the byzantine sites a robust rule must withstand in a round: trimmed-mean drops the f largest and f smallest
    /// values of each coordinate; multi-krum scores each update by its n − f − 2 nearest neighbours. Every round needs
    /// at least 2f + 1 updates (multi-krum 2f + 3), so Aggregator:MinSites must be at least that.
    /// </summary>
    public int ByzantineSites { get; set; } = 1;

    /// <summary>Multi-Krum's m, the best-scored updates averaged; 0 = n − f of the round's n updates.</summary>
    public int KrumSelected { get; set; }

    /// <summary>
    /// Each plain update is scaled down to this L2 norm before it is combined (0 = no bound). Secure rounds bound their
    /// sites' updates with Aggregator:SecureAggregation:ClipNorm instead: sites clip before masking.
    /// </summary>
    public double NormBound { get; set; }

    /// <summary>
    /// Robust rules keep every update of a round until it is aggregated (FedAvg keeps only their sum): a round samples at
    /// most this many bytes' worth of models (updates × model size), so a federation cannot outgrow the aggregator's memory.
    /// </summary>
    public long MaxHeldUpdateBytes { get; set; } = 2L << 30;

    /// <summary>The rule the settings name; null when it is none of <see cref="RuleNames"/>.</summary>
    public RobustRuleKind? Kind => Rule.Trim().ToLowerInvariant() switch
    {
        "fedavg" => RobustRuleKind.FedAvg,
        "median" => RobustRuleKind.Median,
        "trimmed-mean" => RobustRuleKind.TrimmedMean,
        "multi-krum" => RobustRuleKind.MultiKrum,
        _ => null,
    };

    /// <summary>The rule's combiner; null for FedAvg (which keeps only a sum). Call on valid settings.</summary>
    public IRobustRule? CreateRule() => Kind switch
    {
        RobustRuleKind.Median => new CoordinateMedianRule(ByzantineSites),
        RobustRuleKind.TrimmedMean => new TrimmedMeanRule(ByzantineSites),
        RobustRuleKind.MultiKrum => new MultiKrumRule(ByzantineSites, KrumSelected),
        RobustRuleKind.FedAvg => null,
        _ => throw new InvalidOperationException($"Aggregator:Aggregation:Rule '{Rule}' is not one of {RuleNames}"),
    };

    /// <summary>Every problem with the settings and their combination with the rest, as sentences naming them.</summary>
    public IEnumerable<string> Problems(string section, int minSites, bool secureAggregation, bool differentialPrivacy)
    {
        if (Kind is not { } kind)
        {
            yield return $"{section}:Rule must be {RuleNames}, got '{Rule}'";
            yield break;
        }
        if (!(NormBound >= 0) || !double.IsFinite(NormBound)) yield return $"{section}:NormBound must be zero (no bound) or positive, got {NormBound.ToString(CultureInfo.InvariantCulture)}";
        if (MaxHeldUpdateBytes < 1) yield return $"{section}:MaxHeldUpdateBytes must be positive, got {MaxHeldUpdateBytes}";
        if (secureAggregation && NormBound > 0)
        {
            yield return $"{section}:NormBound is for plain rounds: with secure aggregation sites clip before masking, to Aggregator:SecureAggregation:ClipNorm; set that instead";
        }
        if (differentialPrivacy && NormBound > 0)
        {
            yield return $"{section}:NormBound cannot be combined with differential privacy, whose clip norm (Aggregator:DifferentialPrivacy:ClipNorm) already bounds every update";
        }
        if (kind == RobustRuleKind.FedAvg)
        {
            yield break;
        }
        if (secureAggregation)
        {
            yield return $"{section}:Rule {Rule} needs each site's update, and secure aggregation shows the aggregator only their sum: "
                + "use fedavg (with Aggregator:SecureAggregation:ClipNorm to bound each site) or turn Aggregator:SecureAggregation:Enabled off";
        }
        if (differentialPrivacy)
        {
            yield return $"{section}:Rule {Rule} cannot be combined with differential privacy, whose noise is calibrated to the plain sum of clipped updates: use fedavg";
        }
        if (ByzantineSites < 0)
        {
            yield return $"{section}:ByzantineSites must be zero or positive, got {ByzantineSites}";
            yield break;
        }
        if (KrumSelected < 0) yield return $"{section}:KrumSelected must be zero (n − f) or positive, got {KrumSelected}";
        if (CreateRule()!.RefusalFor(minSites) is { } tooFew)
        {
            yield return $"Aggregator:MinSites ({minSites}) is too few for {section}:Rule {Rule} with {section}:ByzantineSites {ByzantineSites}"
                + (KrumSelected > 0 ? $" and {section}:KrumSelected {KrumSelected}" : "") + $": {tooFew}";
        }
    }
}

public enum RobustRuleKind
{
    FedAvg,
    Median,
    TrimmedMean,
    MultiKrum,
}
