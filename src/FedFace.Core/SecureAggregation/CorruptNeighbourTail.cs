namespace FedFace.Core.SecureAggregation;

/// <summary>
/// How many corrupt neighbours a site can have when its k neighbours are a uniform k-subset of the other n − 1 sites,
/// C of which are corrupt: Hypergeometric(n − 1, C, k). Log-factorials are tabulated once, so each k costs O(k).
/// </summary>
internal sealed class CorruptNeighbourTail
{
    private readonly int _siteCount;
    private readonly int _corrupt;
    private readonly double[] _logFactorial;

    public CorruptNeighbourTail(int siteCount, int corrupt)
    {
        _siteCount = siteCount;
        _corrupt = corrupt;
        _logFactorial = new double[siteCount + 1];
        for (int i = 1; i <= siteCount; i++) _logFactorial[i] = _logFactorial[i - 1] + Math.Log(i);
    }

    /// <summary>The smallest t ≥ ⌊k/2⌋ + 1 for which n · P[a site has ≥ t corrupt neighbours among k] ≤ ε (union bound
    /// over the sites); k + 1 when none is.</summary>
    public int SmallestSafeThreshold(int neighbourCount, double failureProbability)
    {
        for (int t = NeighbourhoodRule.MinimumThreshold(neighbourCount); t <= neighbourCount; t++)
        {
            if (_siteCount * AtLeast(neighbourCount, t) <= failureProbability) return t;
        }
        return neighbourCount + 1;
    }

    /// <summary>P[Hypergeometric(n − 1, C, k) ≥ t]: the chance that one site has t or more corrupt neighbours.</summary>
    public double AtLeast(int neighbourCount, int threshold)
    {
        int others = _siteCount - 1;
        double tail = 0;
        for (int i = Math.Max(threshold, 0); i <= Math.Min(neighbourCount, _corrupt); i++)
            tail += Math.Exp(LogChoose(_corrupt, i) + LogChoose(others - _corrupt, neighbourCount - i) - LogChoose(others, neighbourCount));
        return Math.Min(1, tail);
    }

    private double LogChoose(int n, int r) =>
        r < 0 || r > n ? double.NegativeInfinity : _logFactorial[n] - _logFactorial[r] - _logFactorial[n - r];
}
