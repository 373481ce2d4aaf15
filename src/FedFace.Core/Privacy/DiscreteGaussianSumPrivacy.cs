namespace FedFace.Core.Privacy;

/// <summary>
/// The concentrated DP of adding the sum of n independent discrete Gaussians N_ℤ(0, σ²)^d to an integer vector whose
/// L2 sensitivity is Δ₂: Kairouz, Liu and Steinke 2021, "The Distributed Discrete Gaussian Mechanism for Federated
/// Learning with Secure Aggregation", Theorem 1 (first branch of its minimum, which alone is a valid bound):
/// ½ε²-zCDP with ε² = Δ₂²/(nσ²) + 2τd, τ = 10·Σ_{k=1}^{n−1} e^(−2π²σ²·k/(k+1)). The sum of discrete Gaussians is not
/// itself one; τ bounds how far it is (0 for n = 1, and 0 in doubles once σ ≥ 9 levels, as in every real round). All in
/// quantization levels.
/// </summary>
public static class DiscreteGaussianSumPrivacy
{
    /// <summary>ε² of the ½ε²-zCDP guarantee; RDP(α) = α·ε²/2.</summary>
    /// <param name="sensitivitySquared">Δ₂², the squared L2 norm bound of one site's integer vector.</param>
    /// <param name="variance">σ² of each summand's coordinates (at least ¼, as the theorem needs).</param>
    /// <param name="dimension">d, the coordinates noised.</param>
    /// <param name="summands">n, the noise shares counted.</param>
    public static double EpsilonSquared(double sensitivitySquared, double variance, long dimension, int summands)
    {
        if (!(sensitivitySquared >= 0) || !double.IsFinite(sensitivitySquared))
            throw new ArgumentOutOfRangeException(nameof(sensitivitySquared), sensitivitySquared, "the squared sensitivity must be finite and non-negative");
        if (!(variance >= 0.25) || !double.IsFinite(variance))
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "the theorem needs σ ≥ ½");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        return sensitivitySquared / (summands * variance) + 2 * Tau(variance, summands) * dimension;
    }

    /// <summary>τ = 10·Σ_{k=1}^{n−1} e^(−2π²σ²·k/(k+1)).</summary>
    public static double Tau(double variance, int summands)
    {
        double tau = 0;
        for (int k = 1; k < summands; k++)
        {
            double term = Math.Exp(-2 * Math.PI * Math.PI * variance * k / (k + 1));
            if (term == 0)
            {
                // The terms shrink as k grows: once one underflows, so do all the rest.
                break;
            }
            tau += 10 * term;
        }
        return tau;
    }
}
