namespace FedFace.Simulator;

/// <summary>
/// Sites whose cameras see the world differently from the rest (section DomainShift): the first MaskedSites sites see
/// masked faces, the last GreyscaleSites sites have greyscale cameras.
/// </summary>
public sealed class DomainShiftSettings
{
    /// <summary>The first this many sites' cameras see masked faces: MaskedShare of their photos are masked for good.</summary>
    public int MaskedSites { get; set; }
    /// <summary>Share of the masked sites' photos that are masked.</summary>
    public double MaskedShare { get; set; } = 0.5;
    /// <summary>The last this many sites have greyscale cameras: GreyscaleShare of their photos lose their colour for good.</summary>
    public int GreyscaleSites { get; set; }
    /// <summary>Share of the greyscale sites' photos that are greyscale.</summary>
    public double GreyscaleShare { get; set; } = 1;

    public bool IsMasked(int site) => site < MaskedSites;

    public bool IsGreyscale(int site, int sites) => site >= sites - GreyscaleSites;

    public IEnumerable<string> Problems(int sites)
    {
        if (MaskedSites < 0 || MaskedSites > sites) yield return $"--masked-sites must be between 0 and --sites ({sites}), got {MaskedSites}";
        if (MaskedShare is < 0 or > 1 or double.NaN) yield return $"--masked-share must be in [0, 1], got {MaskedShare}";
        if (GreyscaleSites < 0 || GreyscaleSites > sites) yield return $"--greyscale-sites must be between 0 and --sites ({sites}), got {GreyscaleSites}";
        if (GreyscaleShare is < 0 or > 1 or double.NaN) yield return $"--greyscale-share must be in [0, 1], got {GreyscaleShare}";
    }
}
