namespace FedFace.Core.Privacy;

/// <summary>
/// The site's half of DP-FedAvg, between training and masking: clip the delta to C, add the site's noise share
/// (distributed mode), and form the centred bit for adaptive clipping. In DP mode a site's update is unweighted:
/// weighting by example count would let a large site exceed the sensitivity C.
/// </summary>
public static class DpSiteStep
{
    public static DpSiteContribution Protect(ModelState delta, DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(instructions);
        string? problem = instructions.Problems().FirstOrDefault();
        if (problem is not null) throw new ArgumentException($"unusable DP instructions: {problem}", nameof(instructions));

        ClippedDelta clipped = DeltaClipping.Clip(delta, instructions.ClipNorm);
        foreach (NamedTensor tensor in clipped.Delta.Tensors)
        {
            SecureGaussian.Add(tensor.Values, instructions.UpdateNoiseStandardDeviation);
        }
        float indicator = 0;
        if (instructions.ReportsUnclippedIndicator)
        {
            indicator = (float)(AdaptiveClipping.CentredIndicator(clipped.Outcome) + SecureGaussian.Next(instructions.IndicatorNoiseStandardDeviation));
        }
        return new DpSiteContribution(clipped.Delta, indicator, clipped.Outcome);
    }
}
