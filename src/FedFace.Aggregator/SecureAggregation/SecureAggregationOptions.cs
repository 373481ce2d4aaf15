using FedFace.Core.SecureAggregation;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>
/// Secure aggregation (section Aggregator:SecureAggregation): when enabled every round is a SecAgg+ round and the
/// aggregator sees only the sum of the sites' updates. The masked-input stage closes at the round's deadline
/// (Aggregator:RoundDeadlineSeconds, the time sites have to train); the other stages have their own.
/// </summary>
public sealed class SecureAggregationOptions
{
    /// <summary>Every round securely aggregated (SecAgg+): the aggregator sees only the sum of the sites' updates.</summary>
    public bool Enabled { get; set; }
    /// <summary>Fraction of the sampled sites that may drop out over a round; sets each site's neighbours k and threshold t.</summary>
    public double DropoutTolerance { get; set; } = 0.3;
    /// <summary>Fraction of the sampled sites that may be corrupt and collude with the aggregator (0: the aggregator alone);
    /// with DropoutTolerance it sets k, t and the survivor-set signature quorum (docs/security-model.md).</summary>
    public double CorruptFraction { get; set; }
    /// <summary>A site clips its flattened delta to this L2 norm before quantizing it.</summary>
    public double ClipNorm { get; set; } = 10;
    /// <summary>A site clips each coordinate to ±this; the quantization step is CoordinateBound / levels.</summary>
    public double CoordinateBound { get; set; } = 1;
    /// <summary>Largest example count a site may weight its delta with (larger sites send this); with the site count it fixes the quantization scale.</summary>
    public long MaxWeightPerSite { get; set; } = 1000;
    /// <summary>Stage 0 closes this long after the round opens, or once every sampled site advertised its keys.</summary>
    public int AdvertiseKeysSeconds { get; set; } = 60;
    /// <summary>Stage 1 closes this long after stage 0's deadline, or once every site asked has shared its keys.</summary>
    public int ShareKeysSeconds { get; set; } = 60;
    /// <summary>The consistency check closes this long after the round's deadline, or once every survivor has signed the survivor set.</summary>
    public int ConsistencyCheckSeconds { get; set; } = 30;
    /// <summary>The unmask stage closes this long after the consistency check's deadline, or once every signer has revealed its shares.</summary>
    public int UnmaskSeconds { get; set; } = 60;

    public SecAggSettings ToSettings() => new()
    {
        DropoutTolerance = DropoutTolerance,
        CorruptFraction = CorruptFraction,
        ClipNorm = ClipNorm,
        CoordinateBound = CoordinateBound,
        MaxWeightPerSite = MaxWeightPerSite,
    };

    /// <summary>Why rounds of <paramref name="sites"/> sites cannot meet DropoutTolerance and CorruptFraction together, or null.</summary>
    private string? ThreatModelProblem(int sites)
    {
        SecAggSettings settings = ToSettings();
        if (settings.Problems().Count > 0) return null; // reported on their own
        try
        {
            settings.NeighbourhoodFor(sites);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"at Aggregator:MinSites = {sites}, {e.Message}";
        }
    }

    /// <summary>Every problem with the settings, as sentences naming them under <paramref name="section"/>; none when disabled.</summary>
    public IEnumerable<string> Problems(string section, int minSites, int roundDeadlineSeconds)
    {
        if (!Enabled)
        {
            yield break;
        }
        foreach (string problem in ToSettings().Problems())
        {
            yield return $"{section}:{problem}";
        }
        if (minSites < RoundConfiguration.MinimumSites)
        {
            yield return $"{section}: secure aggregation needs at least {RoundConfiguration.MinimumSites} sites a round; raise Aggregator:MinSites from {minSites}";
        }
        else if (ThreatModelProblem(minSites) is string threat)
        {
            yield return $"{section}: {threat}";
        }
        foreach ((string name, int seconds) in new[] { ("AdvertiseKeysSeconds", AdvertiseKeysSeconds), ("ShareKeysSeconds", ShareKeysSeconds),
            ("ConsistencyCheckSeconds", ConsistencyCheckSeconds), ("UnmaskSeconds", UnmaskSeconds) })
        {
            if (seconds <= 0)
            {
                yield return $"{section}:{name} must be positive, got {seconds}";
            }
        }
        if (AdvertiseKeysSeconds + ShareKeysSeconds >= roundDeadlineSeconds)
        {
            yield return $"{section}: AdvertiseKeysSeconds + ShareKeysSeconds ({AdvertiseKeysSeconds + ShareKeysSeconds}) must end before the round's deadline "
                + $"(Aggregator:RoundDeadlineSeconds {roundDeadlineSeconds}), which closes the masked-input stage";
        }
    }
}
