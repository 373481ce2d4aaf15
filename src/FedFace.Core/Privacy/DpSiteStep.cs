namespace FedFace.Core.Privacy;

/// <summary>
/// The site's half of DP-FedAvg, between training and masking: clip the delta to C, add the site's noise share
/// (distributed mode), and form the centred bit for adaptive clipping. In DP mode a site's update is unweighted:
/// weighting by example count would let a large site exceed the sensitivity C.
/// </summary>
public static class DpSiteStep
{
    /// <param name="noiseAfterQuantization">
    /// A secure round: clip only, and leave the noise share to <see cref="DiscreteGaussianEncoder"/>, which adds it exactly,
    /// in integers, after quantization. Otherwise (plain rounds) the share is the floating-point <see cref="SecureGaussian"/>.
    /// </param>
    public static DpSiteContribution Protect(ModelState delta, DpSiteInstructions instructions, bool noiseAfterQuantization = false)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(instructions);
        string? problem = instructions.Problems().FirstOrDefault();
        if (problem is not null) throw new ArgumentException($"unusable DP instructions: {problem}", nameof(instructions));

        ClippedDelta clipped = DeltaClipping.Clip(delta, instructions.ClipNorm);
        if (!noiseAfterQuantization)
        {
            foreach (NamedTensor tensor in clipped.Delta.Tensors)
            {
                SecureGaussian.Add(tensor.Values, instructions.UpdateNoiseStandardDeviation);
            }
        }
        float indicator = 0;
        if (instructions.ReportsUnclippedIndicator)
        {
            double noise = noiseAfterQuantization ? 0 : SecureGaussian.Next(instructions.IndicatorNoiseStandardDeviation);
            indicator = (float)(AdaptiveClipping.CentredIndicator(clipped.Outcome) + noise);
        }
        return new DpSiteContribution(clipped.Delta, indicator, clipped.Outcome);
    }
}
