using System.Globalization;

namespace FedFace.Simulator.Reports;

/// <summary>
/// A verification accuracy on <see cref="Pairs"/> scored pairs with its standard error. The error is the binomial one
/// with the Agresti–Coull adjustment (two successes and two failures added), so 100% on 50 pairs reads 100.0 ± 2.6%, not
/// a certainty the sample cannot give; the text keeps only the digits the error leaves meaningful.
/// </summary>
public sealed record AccuracyEstimate(double Accuracy, int Pairs)
{
    public double StandardError
    {
        get
        {
            double adjusted = (Accuracy * Pairs + 2) / (Pairs + 4);
            return Math.Sqrt(adjusted * (1 - adjusted) / (Pairs + 4));
        }
    }

    /// <summary>In percent, "87.5 ± 1.2% (n = 400)": one significant digit more than the error's leading one, at most two decimals.</summary>
    public override string ToString() => $"{Percent()} (n = {Pairs.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>"87.5 ± 1.2%" without the n, for tables whose header gives it.</summary>
    public string Percent()
    {
        double error = StandardError * 100;
        int decimals = error > 0 ? Math.Clamp(1 - (int)Math.Floor(Math.Log10(error)), 0, 2) : 2;
        string format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        return $"{(Accuracy * 100).ToString(format, CultureInfo.InvariantCulture)} ± {error.ToString(format, CultureInfo.InvariantCulture)}%";
    }
}
