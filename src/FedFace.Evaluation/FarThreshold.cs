namespace FedFace.Evaluation;

/// <summary>
/// The one definition of "the threshold for a target false accept rate" used by every protocol here.
/// A pair is accepted when its score is strictly above the threshold. With n impostor scores sorted from the
/// highest, s₁ ≥ s₂ ≥ … ≥ sₙ, and k = ⌊FAR·n⌋ false accepts allowed, the threshold is s₍k+1₎: every impostor
/// strictly above it is one of s₁…s_k, so the achieved FAR is ≤ the target even when scores tie, and any lower
/// threshold would accept s₍k+1₎ too. If k ≥ n every impostor may be accepted and the threshold is −∞.
/// </summary>
public static class FarThreshold
{
    /// <summary>
    /// k = ⌊targetFar · impostorCount⌋, worked out in decimal so that a round target behaves as written
    /// (1e-3 · 3000 is 3 there, while in binary doubles such a product can land just below a whole number).
    /// </summary>
    public static long AllowedFalseAccepts(double targetFar, long impostorCount)
    {
        CheckTargetFar(targetFar);
        ArgumentOutOfRangeException.ThrowIfNegative(impostorCount);
        return (long)decimal.Floor((decimal)targetFar * impostorCount);
    }

    /// <summary>The threshold for <paramref name="targetFar"/> on these impostor scores (see the class remarks).</summary>
    public static double ForImpostorScores(IEnumerable<double> impostorScores, double targetFar)
    {
        ArgumentNullException.ThrowIfNull(impostorScores);
        double[] descending = impostorScores.ToArray();
        if (descending.Length == 0)
        {
            throw new ArgumentException("there are no impostor scores to set a threshold on", nameof(impostorScores));
        }
        Array.Sort(descending, static (a, b) => b.CompareTo(a));
        long allowed = AllowedFalseAccepts(targetFar, descending.Length);
        return allowed >= descending.Length ? double.NegativeInfinity : descending[allowed];
    }

    internal static void CheckTargetFar(double targetFar)
    {
        if (!(targetFar > 0 && targetFar <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "a target false accept rate must be in (0, 1]");
        }
    }
}
