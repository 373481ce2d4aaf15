using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class LogMathTests
{
    [Theory]
    [InlineData(-2.0)]
    [InlineData(-0.3)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(2.9)]
    [InlineData(3.1)]
    [InlineData(6.0)]
    public void Log_erfc_matches_a_quadrature_of_the_Gaussian_tail(double x)
    {
        // erfc(x) = 2/√π ∫ₓ^∞ e^−t² dt, by Simpson's rule on [x, x + 12] in steps of 1e−4 (the tail beyond is e^−144).
        const double Step = 1e-4;
        const int Intervals = 120_000;
        double sum = 0;
        for (int i = 0; i <= Intervals; i++)
        {
            double t = x + i * Step;
            double weight = i == 0 || i == Intervals ? 1 : i % 2 == 1 ? 4 : 2;
            sum += weight * Math.Exp(-t * t);
        }
        double expected = Math.Log(2 / Math.Sqrt(Math.PI) * sum * Step / 3);
        Assert.Equal(expected, LogMath.LogErfc(x), 1e-9 * Math.Max(1, Math.Abs(expected)));
    }

    [Fact]
    public void Log_erfc_stays_finite_far_in_the_tail()
    {
        // erfc(40) ≈ e^−1600/(40√π) underflows a double; its log is −1600 − ln(40√π) + O(1/x²).
        double expected = -1600 - Math.Log(40 * Math.Sqrt(Math.PI)) - 0.5 / 1600;
        Assert.Equal(expected, LogMath.LogErfc(40), 1e-6);
    }

    [Fact]
    public void Log1p_and_expm1_keep_the_digits_of_tiny_arguments()
    {
        Assert.Equal(1e-17, LogMath.Log1p(1e-17));
        Assert.Equal(1e-12 - 0.5e-24, LogMath.Log1p(1e-12), 1e-30);
        Assert.Equal(-1e-12 + 0.5e-24, LogMath.Expm1(-1e-12), 1e-30);
        Assert.Equal(Math.Exp(3) - 1, LogMath.Expm1(3), 1e-12);
    }

    [Fact]
    public void Log_space_addition_and_subtraction_invert_each_other()
    {
        double a = Math.Log(5), b = Math.Log(3);
        Assert.Equal(Math.Log(8), LogMath.LogAdd(a, b), 1e-14);
        Assert.Equal(Math.Log(2), LogMath.LogSub(a, b), 1e-14);
        Assert.Equal(a, LogMath.LogAdd(a, double.NegativeInfinity));
        Assert.Equal(double.NegativeInfinity, LogMath.LogSub(a, a));
        Assert.Throws<ArgumentException>(() => LogMath.LogSub(b, a));
    }
}
