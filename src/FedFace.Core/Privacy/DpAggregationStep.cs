namespace FedFace.Core.Privacy;

/// <summary>
/// The aggregator's half of DP-FedAvg. <see cref="PlanRound"/> fixes a round's DP parameters when it opens;
/// <see cref="Complete"/> turns the unmasked sum of clipped deltas into the noised sum, estimates the next clip from
/// the noised count of unclipped sites, and says what noise the round really carried for the accountant.
/// </summary>
public sealed class DpAggregationStep
{
    private readonly DifferentialPrivacySettings _settings;
    private readonly AdaptiveClipping? _adaptive;

    public DpAggregationStep(DifferentialPrivacySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string[] problems = [.. settings.Problems("DifferentialPrivacy")];
        if (problems.Length > 0) throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        if (!settings.Enabled) throw new ArgumentException("DifferentialPrivacy:Mode is Off: there is no DP step to take", nameof(settings));
        _settings = settings;
        _adaptive = settings.Adaptive?.Create();
    }

    /// <param name="clipNorm">C for this round: the settings' ClipNorm at first, then each outcome's NextClipNorm.</param>
    /// <param name="eligibleSites">Sites the round sampled from.</param>
    /// <param name="sampledSites">Sites asked to train (m).</param>
    /// <param name="minimumSurvivors">The fewest answers the round commits with (the aggregator's MinSites): k noise shares make the full noise.</param>
    /// <param name="secureAggregation">The round is securely aggregated: distributed noise is then added by sites in integers, after quantization.</param>
    public DpRoundPlan PlanRound(double clipNorm, int eligibleSites, int sampledSites, int minimumSurvivors, bool secureAggregation = false)
    {
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm)) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clip norm must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampledSites);
        ArgumentOutOfRangeException.ThrowIfLessThan(eligibleSites, sampledSites);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumSurvivors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumSurvivors, sampledSites);
        if (_settings.Mode == DifferentialPrivacyMode.Distributed && minimumSurvivors < 2)
            throw new ArgumentOutOfRangeException(nameof(minimumSurvivors), minimumSurvivors,
                "distributed DP needs rounds to commit with at least 2 sites: a site is protected only by the noise shares of the others");
        // The sampled list is sent to every sampled site: without the stated assumption, no amplification (q = 1). The sampled
        // Gaussian's amplification bound does not cover the sum of discrete Gaussians: integer noise is accounted at q = 1.
        bool integerNoise = secureAggregation && _settings.Mode == DifferentialPrivacyMode.Distributed;
        double samplingRate = _settings.AssumeSecretSampling && !integerNoise ? (double)sampledSites / eligibleSites : 1;
        return new DpRoundPlan(_settings.Mode, clipNorm, samplingRate, sampledSites, minimumSurvivors,
            _settings.NoiseMultiplier, _settings.UpdateNoiseMultiplier, _settings.Adaptive?.CountNoiseMultiplier ?? 0, integerNoise);
    }

    /// <summary>
    /// Adds the central noise to <paramref name="sum"/> in place (central mode; distributed sums already carry it),
    /// and estimates the next clip.
    /// </summary>
    /// <param name="sum">Σ of the survivors' contributions (clipped, unweighted), after unmasking.</param>
    /// <param name="survivors">How many contributions the sum holds.</param>
    /// <param name="unclippedIndicatorSum">Σ of the survivors' <see cref="DpSiteContribution.UnclippedIndicator"/>; ignored when the clip is fixed.</param>
    public DpRoundOutcome Complete(DpRoundPlan plan, ModelState sum, int survivors, double unclippedIndicatorSum)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(survivors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(survivors, plan.SampledSites);
        if (plan.Mode != _settings.Mode) throw new ArgumentException($"the plan is for {plan.Mode} DP but this step runs {_settings.Mode}", nameof(plan));
        if (plan.IsAdaptive && !double.IsFinite(unclippedIndicatorSum)) throw new ArgumentOutOfRangeException(nameof(unclippedIndicatorSum), unclippedIndicatorSum, "the indicator sum must be finite");

        bool central = plan.Mode == DifferentialPrivacyMode.Central;
        if (central)
        {
            foreach (NamedTensor tensor in sum.Tensors) SecureGaussian.Add(tensor.Values, plan.SumNoiseStandardDeviation);
        }

        double? unclippedFraction = null;
        double nextClip = plan.ClipNorm;
        if (_adaptive is not null)
        {
            double noisyIndicatorSum = unclippedIndicatorSum + (central ? SecureGaussian.Next(plan.CountNoiseMultiplier) : 0);
            unclippedFraction = AdaptiveClipping.UnclippedFraction(noisyIndicatorSum, plan.SampledSites);
            nextClip = _adaptive.NextClipNorm(plan.ClipNorm, unclippedFraction.Value);
        }

        // Distributed: s shares of variance 1/k each, but a site's own share leaves with it (add/remove adjacency), so only
        // the other s − 1 protect it: z·√((s − 1)/k), or the discrete Gaussian's equivalent when the shares were integers.
        double realised = central ? plan.NoiseMultiplier
            : plan.IntegerNoise ? plan.ExactNoise(checked((int)sum.ParameterCount)).NoiseMultiplier(survivors - 1)
            : DpRoundPlan.OthersNoiseMultiplier(plan.NoiseMultiplier, survivors, plan.NoiseShareSites);
        return new DpRoundOutcome(sum, nextClip, unclippedFraction, plan.SamplingRate, realised, plan.SampledSites);
    }
}
