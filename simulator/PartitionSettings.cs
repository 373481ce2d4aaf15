namespace FedFace.Simulator;

/// <summary>How many of the training people each site gets (section Partition); people are never shared between sites.</summary>
public sealed class PartitionSettings
{
    public const string SizeNames = "equal, geometric, zipf or dirichlet";

    /// <summary>
    /// Site sizes: equal (round robin), geometric (the largest site about GeometricRatio times the smallest), zipf (site k's
    /// share ∝ 1 / k^ZipfExponent) or dirichlet (shares drawn from a symmetric Dirichlet(DirichletAlpha)); every site gets
    /// at least two people.
    /// </summary>
    public string Sizes { get; set; } = "equal";
    /// <summary>geometric: about how many times the people of the smallest site the largest gets.</summary>
    public double GeometricRatio { get; set; } = 6;
    /// <summary>zipf: the exponent s of site k's share 1 / k^s (0 = equal shares; 1 = the classic Zipf).</summary>
    public double ZipfExponent { get; set; } = 1;
    /// <summary>dirichlet: the concentration α (small = a few large sites and many tiny ones; large = nearly equal).</summary>
    public double DirichletAlpha { get; set; } = 0.5;

    internal string Kind => Sizes.Trim().ToLowerInvariant();

    public IEnumerable<string> Problems()
    {
        if (Kind is not ("equal" or "geometric" or "zipf" or "dirichlet")) yield return $"--partition must be {SizeNames}, got '{Sizes}'";
        if (!(GeometricRatio >= 1)) yield return $"--site-size-ratio must be at least 1, got {GeometricRatio}";
        if (!(ZipfExponent >= 0) || double.IsInfinity(ZipfExponent)) yield return $"--zipf-exponent must be zero or positive, got {ZipfExponent}";
        if (!(DirichletAlpha > 0) || double.IsInfinity(DirichletAlpha)) yield return $"--dirichlet-alpha must be positive, got {DirichletAlpha}";
    }

    /// <summary>In words, for reports: "dirichlet(α = 0.3)".</summary>
    public override string ToString() => Kind switch
    {
        "geometric" => $"geometric (ratio {GeometricRatio:G3})",
        "zipf" => $"zipf (s = {ZipfExponent:G3})",
        "dirichlet" => $"dirichlet (α = {DirichletAlpha:G3})",
        _ => Kind,
    };
}
