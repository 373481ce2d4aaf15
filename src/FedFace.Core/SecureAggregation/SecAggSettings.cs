namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The federation's secure-aggregation settings, from which the server makes each round's
/// <see cref="RoundConfiguration"/>.
/// </summary>
public sealed record SecAggSettings
{
    /// <summary>Fraction of the sampled sites that may drop out over the round (default 30%).</summary>
    public double DropoutTolerance { get; init; } = 0.3;

    /// <summary>
    /// Fraction of the sampled sites that may be corrupt and collude with the aggregator (default 0: a lying aggregator
    /// alone). k and t are sized so that no site has t corrupt neighbours (see <see cref="NeighbourhoodRule"/>); a corrupt
    /// site that stops answering counts against <see cref="DropoutTolerance"/> too.
    /// </summary>
    public double CorruptFraction { get; init; }

    /// <summary>Accepted probability that dropouts at <see cref="DropoutTolerance"/> leave some site with too
    /// few surviving neighbours to unmask (default 2⁻²⁰); see <see cref="NeighbourhoodRule"/>.</summary>
    public double RoundFailureProbability { get; init; } = 1.0 / (1 << 20);

    /// <summary>Neighbours per site, k; null chooses it by <see cref="NeighbourhoodRule"/>.</summary>
    public int? NeighbourCount { get; init; }

    /// <summary>Shares needed to reconstruct, t; null means ⌊k/2⌋ + 1, the smallest safe value.</summary>
    public int? Threshold { get; init; }

    /// <summary>L2 norm a site's delta is clipped to before quantization.</summary>
    public double ClipNorm { get; init; } = 10;

    /// <summary>Each coordinate is clipped to ±this before quantization; the quantization step is
    /// CoordinateBound / levels (see <see cref="RoundConfiguration.QuantizationLevels"/>).</summary>
    public double CoordinateBound { get; init; } = 1;

    /// <summary>Largest example-count weight a site may put on its delta; with the number of sampled sites it
    /// bounds the total weight, which fixes the quantization scale so that the sum never wraps 2³².</summary>
    public long MaxWeightPerSite { get; init; } = 1000;

    /// <summary>k and t for a round of <paramref name="siteCount"/> sites: the fixed ones, or <see cref="NeighbourhoodRule.Choose"/>'s.</summary>
    public (int NeighbourCount, int Threshold) NeighbourhoodFor(int siteCount)
    {
        (int k, int t) = NeighbourCount is int fixedK
            ? (fixedK, NeighbourhoodRule.MinimumThreshold(fixedK))
            : NeighbourhoodRule.Choose(siteCount, DropoutTolerance, RoundFailureProbability, CorruptFraction);
        return (k, Threshold ?? t);
    }

    /// <summary>C = ⌊γ·n⌋, the corrupt sites a round of <paramref name="siteCount"/> sites withstands.</summary>
    public int CorruptSitesFor(int siteCount) => NeighbourhoodRule.CorruptSites(siteCount, CorruptFraction);

    /// <summary>
    /// The fewest masked inputs a round of <paramref name="siteCount"/> sites can unmask: t + 1, since every survivor's
    /// self-mask seed needs t shares from surviving neighbours other than itself, and at least the survivor-set signature
    /// quorum ⌊(n + C)/2⌋ + 1. Fewer survivors abort the round.
    /// </summary>
    public int MinimumSurvivors(int siteCount) =>
        Math.Max(NeighbourhoodFor(siteCount).Threshold + 1, (siteCount + CorruptSitesFor(siteCount)) / 2 + 1);

    /// <summary>Every problem with these settings, in words; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(DropoutTolerance >= 0 && DropoutTolerance < 0.5))
            problems.Add($"DropoutTolerance must be in [0, 0.5) (with t > k/2 no neighbourhood survives half its sites dropping), not {DropoutTolerance}");
        if (!(CorruptFraction >= 0 && CorruptFraction < 0.5))
            problems.Add($"CorruptFraction must be in [0, 0.5) (half the sites corrupt could sign any survivor set), not {CorruptFraction}");
        if (!(RoundFailureProbability > 0 && RoundFailureProbability < 1))
            problems.Add($"RoundFailureProbability must be in (0, 1), not {RoundFailureProbability}");
        if (NeighbourCount is < 1) problems.Add($"NeighbourCount must be at least 1, not {NeighbourCount}");
        if (Threshold is < 1) problems.Add($"Threshold must be at least 1, not {Threshold}");
        if (!(ClipNorm > 0 && double.IsFinite(ClipNorm))) problems.Add($"ClipNorm must be positive and finite, not {ClipNorm}");
        if (!(CoordinateBound > 0 && double.IsFinite(CoordinateBound))) problems.Add($"CoordinateBound must be positive and finite, not {CoordinateBound}");
        if (MaxWeightPerSite < 1) problems.Add($"MaxWeightPerSite must be at least 1, not {MaxWeightPerSite}");
        return problems;
    }
}
