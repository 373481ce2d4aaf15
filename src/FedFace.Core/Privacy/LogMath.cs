namespace FedFace.Core.Privacy;

/// <summary>
/// Log-space arithmetic and the special functions the RDP accountant needs. .NET's <c>double.LogP1</c> and
/// <c>double.ExpM1</c> are plain <c>Log(1 + x)</c> and <c>Exp(x) − 1</c>, which lose every digit for tiny x, and
/// there is no erfc at all; the accountant's sums reach e^−30 and beyond, so these are written out here.
/// </summary>
internal static class LogMath
{
    private static readonly double s_logSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>log(1 + x), accurate for tiny x (Goldberg's correction of the rounded 1 + x).</summary>
    public static double Log1p(double x)
    {
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>e^x − 1, accurate for tiny x (Kahan's correction of the rounded e^x).</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) > 0.5) return Math.Exp(x) - 1.0;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    /// <summary>log(e^a + e^b); −∞ stands for 0.</summary>
    public static double LogAdd(double a, double b)
    {
        (double low, double high) = a < b ? (a, b) : (b, a);
        return double.IsNegativeInfinity(low) ? high : Log1p(Math.Exp(low - high)) + high;
    }

    /// <summary>log(e^a − e^b) for a ≥ b; −∞ stands for 0.</summary>
    public static double LogSub(double a, double b)
    {
        if (a < b) throw new ArgumentException($"log-space subtraction would go negative: {a} < {b}");
        if (double.IsNegativeInfinity(b)) return a;
        if (a == b) return double.NegativeInfinity;
        // e^a − e^b = e^a (1 − e^−(a−b)); −expm1 keeps the digits when a and b are close.
        return a + Math.Log(-Expm1(b - a));
    }

    /// <summary>log(erfc(x)) for any x, without underflow in the far right tail (erfc(30) ≈ 1e−393).</summary>
    public static double LogErfc(double x)
    {
        if (x < 0) return Math.Log(2.0 - Erfc(-x));
        return x < 3.0 ? Math.Log(1.0 - Erf(x)) : LogErfcContinuedFraction(x);
    }

    /// <summary>erfc(x) for x ≥ 0.</summary>
    private static double Erfc(double x) => x < 3.0 ? 1.0 - Erf(x) : Math.Exp(LogErfcContinuedFraction(x));

    /// <summary>
    /// erf(x) for 0 ≤ x &lt; 3 by the series 2/√π · e^−x² · Σ 2ⁿ x^(2n+1) / (1·3···(2n+1)), whose terms are all
    /// positive (the alternating Taylor series cancels badly at x ≈ 3).
    /// </summary>
    private static double Erf(double x)
    {
        double term = x, sum = x, twoXSquared = 2 * x * x;
        for (int n = 1; n < 500 && term > sum * 1e-17; n++)
        {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
        }
        return 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// log erfc(x) for x ≥ 3 from erfc(x) = e^−x²/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by
    /// the modified Lentz method; the e^−x² factor stays in log space.
    /// </summary>
    private static double LogErfcContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 10_000; n++)
        {
            double a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < Tiny ? 1 / Tiny : 1 / d;
            c = x + a / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            double step = c * d;
            f *= step;
            if (Math.Abs(step - 1) < 1e-16) break;
        }
        return -x * x - s_logSqrtPi - Math.Log(f);
    }
}
