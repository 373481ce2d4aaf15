using System.Numerics;
using System.Numerics.Tensors;

namespace FedFace.Core.Privacy;

/// <summary>
/// Per-site L2 clipping (McMahan et al. 2018, DP-FedAvg): every shared tensor of a delta is one vector, scaled by
/// min(1, C/‖Δ‖) so that no site can move the sum by more than C. That bound is the sensitivity the noise is
/// calibrated to, so it must hold exactly: norms are summed in double, and the scale is shrunk by one part in a
/// million so float rounding of the scaled values can never lift the norm above C.
/// </summary>
public static class DeltaClipping
{
    private const double RoundingMargin = 1 - 1e-6;

    /// <summary>A clipped copy of <paramref name="delta"/>; the input is untouched.</summary>
    public static ClippedDelta Clip(ModelState delta, double clipNorm)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ModelState copy = delta.Clone();
        ClippingOutcome outcome = ClipInPlace(copy.Tensors.Select(t => t.Values).ToArray(), clipNorm);
        return new ClippedDelta(copy, outcome);
    }

    /// <summary>Clips the concatenation of <paramref name="tensors"/> in place.</summary>
    public static ClippingOutcome ClipInPlace(IReadOnlyList<float[]> tensors, double clipNorm)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        CheckClipNorm(clipNorm);
        double sumOfSquares = 0;
        foreach (float[] values in tensors) sumOfSquares += SumOfSquares(values);
        ClippingOutcome outcome = Outcome(sumOfSquares, clipNorm);
        if (outcome.WasClipped)
        {
            float scale = Scale(outcome);
            foreach (float[] values in tensors) TensorPrimitives.Multiply(values, scale, values);
        }
        return outcome;
    }

    /// <summary>Clips a flat delta in place.</summary>
    public static ClippingOutcome ClipInPlace(Span<float> delta, double clipNorm)
    {
        CheckClipNorm(clipNorm);
        ClippingOutcome outcome = Outcome(SumOfSquares(delta), clipNorm);
        if (outcome.WasClipped) TensorPrimitives.Multiply(delta, Scale(outcome), delta);
        return outcome;
    }

    /// <summary>The L2 norm of the concatenation of <paramref name="tensors"/>, accumulated in double.</summary>
    public static double L2Norm(IEnumerable<float[]> tensors) => Math.Sqrt(tensors.Sum(t => SumOfSquares(t)));

    /// <summary>
    /// How far a delta moves the weights: the L2 norm of every tensor but the BatchNorm running statistics, which are
    /// measured rather than trained (<see cref="Aggregation.TensorRoles.IsRunningStatistic"/>).
    /// </summary>
    public static double WeightNorm(ModelState delta) =>
        L2Norm(delta.Tensors.Where(t => !Aggregation.TensorRoles.IsRunningStatistic(t.Name)).Select(t => t.Values));

    /// <summary>Σ x², each square and the running sums in double (float sums drift by 1e−5 over a million values).</summary>
    internal static double SumOfSquares(ReadOnlySpan<float> values)
    {
        Vector<double> low = Vector<double>.Zero, high = Vector<double>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(values[i..]), out Vector<double> a, out Vector<double> b);
                low += a * a;
                high += b * b;
            }
        }
        double sum = Vector.Sum(low + high);
        for (; i < values.Length; i++) sum += (double)values[i] * values[i];
        return sum;
    }

    private static ClippingOutcome Outcome(double sumOfSquares, double clipNorm)
    {
        double norm = Math.Sqrt(sumOfSquares);
        if (!double.IsFinite(norm)) throw new ArgumentException("a delta with NaN or infinite values cannot be clipped");
        return new ClippingOutcome(norm, clipNorm);
    }

    private static float Scale(ClippingOutcome outcome) => (float)(outcome.ClipNorm / outcome.NormBeforeClipping * RoundingMargin);

    private static void CheckClipNorm(double clipNorm)
    {
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm))
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clip norm must be positive and finite");
    }
}
