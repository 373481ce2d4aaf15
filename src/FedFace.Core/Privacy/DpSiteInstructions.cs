namespace FedFace.Core.Privacy;

/// <summary>
/// What a site needs to protect its delta in one round, as the aggregator computed it when the round opened: the
/// DP fields of the round task. Noise standard deviations are 0 in central mode (the aggregator adds the noise).
/// </summary>
/// <param name="ClipNorm">C for this round.</param>
/// <param name="UpdateNoiseStandardDeviation">The site's share of the update noise, added to every coordinate.</param>
/// <param name="ReportsUnclippedIndicator">Adaptive clipping is on: the site sends its centred bit with its delta.</param>
/// <param name="IndicatorNoiseStandardDeviation">The site's share of the noise on the count of unclipped sites.</param>
public sealed record DpSiteInstructions(double ClipNorm, double UpdateNoiseStandardDeviation, bool ReportsUnclippedIndicator, double IndicatorNoiseStandardDeviation)
{
    /// <summary>The site adds noise shares (distributed mode); central rounds leave the noise to the aggregator.</summary>
    public bool AddsNoise => UpdateNoiseStandardDeviation > 0 || IndicatorNoiseStandardDeviation > 0;

    /// <summary>Every problem with instructions received from the wire, as sentences; empty when usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(ClipNorm > 0) || !double.IsFinite(ClipNorm)) yield return $"the clip norm must be positive and finite, got {ClipNorm}";
        if (!(UpdateNoiseStandardDeviation >= 0) || !double.IsFinite(UpdateNoiseStandardDeviation)) yield return $"the update noise must be finite and non-negative, got {UpdateNoiseStandardDeviation}";
        if (!(IndicatorNoiseStandardDeviation >= 0) || !double.IsFinite(IndicatorNoiseStandardDeviation)) yield return $"the indicator noise must be finite and non-negative, got {IndicatorNoiseStandardDeviation}";
    }
}
