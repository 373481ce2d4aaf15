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

    /// <summary>The smallest t ≥ ⌊k/2⌋ + 1 for which n · P[some site has ≥ t corrupt neighbours among k] ≤ ε (union
    /// bound over the sites); k + 1 when none is.</summary>
    public int SmallestSafeThreshold(int neighbourCount, double failureProbability)
    {
        int others = _siteCount - 1;
        double tail = 0; // P[X ≥ t], accumulated from the top
        int t = Math.Min(neighbourCount, _corrupt) + 1; // P[X ≥ t] = 0 above the most corrupt neighbours possible
        int floor = NeighbourhoodRule.MinimumThreshold(neighbourCount);
        while (t - 1 >= floor)
        {
            int i = t - 1;
            tail += Math.Exp(LogChoose(_corrupt, i) + LogChoose(others - _corrupt, neighbourCount - i) - LogChoose(others, neighbourCount));
            if (_siteCount * tail > failureProbability) break;
            t = i;
        }
        return Math.Max(t, floor);
    }

    private double LogChoose(int n, int r) =>
        r < 0 || r > n ? double.NegativeInfinity : _logFactorial[n] - _logFactorial[r] - _logFactorial[n - r];
}
