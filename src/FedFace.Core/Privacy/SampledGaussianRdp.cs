namespace FedFace.Core.Privacy;

/// <summary>
/// Rényi-DP of one step of the Poisson-subsampled Gaussian mechanism (sampling rate q, noise multiplier σ,
/// L2 sensitivity 1), as in Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
/// Mechanism". The computation is TensorFlow Privacy's <c>compute_rdp</c> (rdp_accountant.py): RDP(α) =
/// log(A_α)/(α − 1) with A_α = E_{z∼N(0,σ²)}[((1 − q) + q·e^((2z − 1)/(2σ²)))^α], by the binomial expansion in log
/// space for integer α and by its two-sided series with erfc tails for fractional α; q = 1 is the plain Gaussian,
/// α/(2σ²) (Mironov 2017, "Rényi Differential Privacy", Proposition 7).
/// </summary>
public static class SampledGaussianRdp
{
    /// <summary>The RDP at <paramref name="order"/> of one step; +∞ when there is no noise.</summary>
    public static double Compute(double samplingRate, double noiseMultiplier, double order)
    {
        Validate(samplingRate, noiseMultiplier);
        if (!(order > 1)) throw new ArgumentOutOfRangeException(nameof(order), order, "Rényi orders must be greater than 1");
        if (samplingRate == 0) return 0;
        if (noiseMultiplier == 0 || double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        if (samplingRate == 1) return order / (2 * noiseMultiplier * noiseMultiplier);
        return LogA(samplingRate, noiseMultiplier, order) / (order - 1);
    }

    /// <summary>The RDP of <paramref name="steps"/> composed steps at each order (RDP adds up under composition).</summary>
    public static double[] Compute(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders, long steps)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        double[] rdp = new double[orders.Count];
        for (int i = 0; i < rdp.Length; i++)
        {
            double one = Compute(samplingRate, noiseMultiplier, orders[i]);
            rdp[i] = steps == 0 ? 0 : one * steps;
        }
        return rdp;
    }

    internal static void Validate(double samplingRate, double noiseMultiplier)
    {
        if (!(samplingRate is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "the sampling rate must be in [0, 1]");
        if (!(noiseMultiplier >= 0) || double.IsPositiveInfinity(noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must be finite and non-negative");
    }

    private static double LogA(double q, double sigma, double alpha) =>
        alpha == Math.Floor(alpha) && alpha <= int.MaxValue ? LogAInteger(q, sigma, (int)alpha) : LogAFractional(q, sigma, alpha);

    /// <summary>A_α = Σᵢ C(α, i) qⁱ (1 − q)^(α−i) e^((i² − i)/(2σ²)), every term positive.</summary>
    private static double LogAInteger(double q, double sigma, int alpha)
    {
        double logQ = Math.Log(q), log1mQ = LogMath.Log1p(-q), twoSigmaSquared = 2 * sigma * sigma;
        double logA = double.NegativeInfinity, logBinomial = 0;
        for (int i = 0; i <= alpha; i++)
        {
            if (i > 0) logBinomial += Math.Log((double)(alpha - i + 1) / i);
            double logTerm = logBinomial + i * logQ + (alpha - i) * log1mQ + ((double)i * i - i) / twoSigmaSquared;
            logA = LogMath.LogAdd(logA, logTerm);
        }
        return logA;
    }

    /// <summary>
    /// A_α split at z₀ = σ² log(1/q − 1) + ½, where the two Gaussians' weighted densities cross; each side is a
    /// binomial series with generalized coefficients C(α, i) (signs alternate once i &gt; α) and erfc tails.
    /// Summed until both new terms fall below e^−30, as in TF Privacy's <c>_compute_log_a_frac</c>.
    /// </summary>
    private static double LogAFractional(double q, double sigma, double alpha)
    {
        double logQ = Math.Log(q), log1mQ = LogMath.Log1p(-q), twoSigmaSquared = 2 * sigma * sigma;
        double z0 = sigma * sigma * Math.Log(1 / q - 1) + 0.5;
        double sqrt2Sigma = Math.Sqrt(2) * sigma, logHalf = Math.Log(0.5);
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double logAbsBinomial = 0;
        bool binomialPositive = true;
        for (int i = 0; ; i++)
        {
            if (i > 0)
            {
                double factor = (alpha - i + 1) / i; // C(α, i) = C(α, i − 1)·(α − i + 1)/i
                logAbsBinomial += Math.Log(Math.Abs(factor));
                if (factor < 0) binomialPositive = !binomialPositive;
            }
            double j = alpha - i;
            double logT0 = logAbsBinomial + i * logQ + j * log1mQ;
            double logT1 = logAbsBinomial + j * logQ + i * log1mQ;
            double logE0 = logHalf + LogMath.LogErfc((i - z0) / sqrt2Sigma);
            double logE1 = logHalf + LogMath.LogErfc((z0 - j) / sqrt2Sigma);
            double logS0 = logT0 + ((double)i * i - i) / twoSigmaSquared + logE0;
            double logS1 = logT1 + (j * j - j) / twoSigmaSquared + logE1;
            if (binomialPositive)
            {
                logA0 = LogMath.LogAdd(logA0, logS0);
                logA1 = LogMath.LogAdd(logA1, logS1);
            }
            else
            {
                logA0 = LogMath.LogSub(logA0, logS0);
                logA1 = LogMath.LogSub(logA1, logS1);
            }
            if (Math.Max(logS0, logS1) < -30) break;
        }
        return LogMath.LogAdd(logA0, logA1);
    }
}
