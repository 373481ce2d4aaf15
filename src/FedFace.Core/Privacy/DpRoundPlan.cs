namespace FedFace.Core.Privacy;

/// <summary>
/// The DP side of one round, fixed when the round opens (before any site answered), made by
/// <see cref="DpAggregationStep.PlanRound"/>.
/// </summary>
/// <remarks>
/// Distributed noise: each site adds N(0, (σ_Δ C)²/k) with k = <see cref="NoiseShareSites"/>, the fewest survivors
/// the round commits with, so any committed round carries at least the full noise whoever dropped out; more
/// survivors carry more. A site's own share leaves with it under add/remove adjacency, so the accountant counts only
/// the others' shares: z·√((s − 1)/k) for s survivors, at least z·√((k − 1)/k) (<see cref="AccountedNoiseMultiplier"/>;
/// see docs/privacy-accounting.md). In secure rounds the shares are discrete Gaussians added after quantization
/// (<see cref="IntegerNoise"/>), accounted by their own bound, which is within a hair of that figure. This protects the published model against everyone, and the sum against an
/// honest-but-curious aggregator that follows the protocol and sees only the securely aggregated sum. Sites that
/// collude can subtract their own shares as well; an aggregator that lies about sampling or survivors is outside this model.
/// </remarks>
public sealed record DpRoundPlan
{
    internal DpRoundPlan(DifferentialPrivacyMode mode, double clipNorm, double samplingRate, int sampledSites, int noiseShareSites,
        double noiseMultiplier, double updateNoiseMultiplier, double countNoiseMultiplier, bool integerNoise = false)
    {
        Mode = mode;
        IntegerNoise = integerNoise && mode == DifferentialPrivacyMode.Distributed;
        ClipNorm = clipNorm;
        SamplingRate = samplingRate;
        SampledSites = sampledSites;
        NoiseShareSites = noiseShareSites;
        NoiseMultiplier = noiseMultiplier;
        UpdateNoiseMultiplier = updateNoiseMultiplier;
        CountNoiseMultiplier = countNoiseMultiplier;
    }

    public DifferentialPrivacyMode Mode { get; }

    /// <summary>C for this round.</summary>
    public double ClipNorm { get; }

    /// <summary>
    /// q for the accountant: 1 unless <see cref="DifferentialPrivacySettings.AssumeSecretSampling"/>, then sampled / eligible
    /// sites (a uniform sample of fixed size accounted as Poisson sampling at this rate, the usual approximation of TF
    /// Privacy and Opacus).
    /// </summary>
    public double SamplingRate { get; }

    /// <summary>m: the sites asked to train; the fixed denominator of the mean delta and of the unclipped fraction.</summary>
    public int SampledSites { get; }

    /// <summary>k: the number of noise shares that make up the full noise (distributed mode).</summary>
    public int NoiseShareSites { get; }

    /// <summary>z: the noise of the whole release (all k shares) over the clip norm.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>
    /// The least noise multiplier a committed round is accounted with, which the budget is checked against: z centrally;
    /// distributed, the k − 1 shares of the others when the fewest sites commit, z·√((k − 1)/k).
    /// </summary>
    public double AccountedNoiseMultiplier => Mode == DifferentialPrivacyMode.Central ? NoiseMultiplier
        : IntegerNoise ? ExactNoise(DistributedDiscreteGaussian.WorstCaseModelLength).NoiseMultiplier(NoiseShareSites - 1)
        : OthersNoiseMultiplier(NoiseMultiplier, NoiseShareSites, NoiseShareSites);

    /// <summary>
    /// Distributed noise added by sites after quantization, in integers (<see cref="DistributedDiscreteGaussian"/>): every
    /// secure distributed round. False for central rounds and plain distributed ones, whose noise is floating-point Gaussian.
    /// </summary>
    public bool IntegerNoise { get; }

    /// <summary>The round's discrete Gaussian for a model of <paramref name="modelLength"/> values (only when <see cref="IntegerNoise"/>).</summary>
    public DistributedDiscreteGaussian ExactNoise(int modelLength) =>
        IntegerNoise
            ? DistributedDiscreteGaussian.For(SiteInstructions, modelLength, SampledSites)
            : throw new InvalidOperationException("this round's noise is not added in integers");

    /// <summary>z·√((s − 1)/k): the noise of the s − 1 shares besides a site's own, each of variance z²/k.</summary>
    internal static double OthersNoiseMultiplier(double noiseMultiplier, int contributors, int noiseShareSites) =>
        noiseMultiplier * Math.Sqrt((contributors - 1.0) / noiseShareSites);

    /// <summary>σ_Δ: the update's part of z (z itself without adaptive clipping).</summary>
    public double UpdateNoiseMultiplier { get; }

    /// <summary>σ_b: noise on the sum of centred bits; 0 when the clip is fixed.</summary>
    public double CountNoiseMultiplier { get; }

    public bool IsAdaptive => CountNoiseMultiplier > 0;

    /// <summary>σ_Δ·C: the update noise the sum must carry.</summary>
    public double SumNoiseStandardDeviation => UpdateNoiseMultiplier * ClipNorm;

    /// <summary>The round task's DP fields.</summary>
    public DpSiteInstructions SiteInstructions
    {
        get
        {
            double shareScale = Mode == DifferentialPrivacyMode.Distributed ? 1 / Math.Sqrt(NoiseShareSites) : 0;
            return new DpSiteInstructions(ClipNorm, SumNoiseStandardDeviation * shareScale, IsAdaptive, CountNoiseMultiplier * shareScale);
        }
    }
}
