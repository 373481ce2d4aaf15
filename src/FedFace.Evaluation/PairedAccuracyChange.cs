namespace FedFace.Evaluation;

/// <summary>
/// How verification accuracy changed between two models scored on the same pairs, with the standard error of that
/// change taken over the pairs: each pair's correctness moves by −1, 0 or +1, and the gain is the mean of those moves.
/// Pairs both models call alike cancel, so the paired error is far smaller than two independent accuracies' errors
/// (which would count the noise of which pairs happen to be hard twice).
/// </summary>
/// <param name="Gain">After minus before, as a share of the pairs (0.01 = one point).</param>
/// <param name="StandardError">The standard error of <paramref name="Gain"/>: the moves' sample deviation over √n.</param>
/// <param name="Fixed">Pairs the second model gets right and the first got wrong.</param>
/// <param name="Broken">Pairs the second model gets wrong and the first got right.</param>
public sealed record PairedAccuracyChange(double Gain, double StandardError, int Pairs, int Fixed, int Broken)
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/>, each the correctness of the same pairs in order.</summary>
    public static PairedAccuracyChange Between(IReadOnlyList<bool> before, IReadOnlyList<bool> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Count != after.Count)
        {
            throw new ArgumentException($"the two models were scored on {before.Count} and {after.Count} pairs; a paired change needs the same pairs");
        }
        int n = before.Count;
        if (n < 2)
        {
            throw new ArgumentException($"a paired standard error needs at least 2 pairs, got {n}", nameof(before));
        }
        int fixedPairs = Enumerable.Range(0, n).Count(i => after[i] && !before[i]);
        int brokenPairs = Enumerable.Range(0, n).Count(i => before[i] && !after[i]);
        double gain = (double)(fixedPairs - brokenPairs) / n;
        // Σ(d − mean)² = Σd² − n·mean², and d² is 1 exactly for the pairs that moved.
        double sumOfSquares = Math.Max(0, fixedPairs + brokenPairs - n * gain * gain);
        return new PairedAccuracyChange(gain, Math.Sqrt(sumOfSquares / (n - 1) / n), n, fixedPairs, brokenPairs);
    }

    /// <summary>How many standard errors the gain is (0 when nothing moved).</summary>
    public double StandardErrors => StandardError > 0 ? Gain / StandardError : 0;
}
