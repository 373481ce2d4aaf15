using FedFace.Core.Privacy;

namespace FedFace.Core.Aggregation;

/// <summary>
/// The last look at a round's next global model before it is signed (invariant 6). Update checks bound each site, but in a
/// secure round the aggregator sees only the sum, and the server optimiser and DP noise act after them: this is what
/// stands between any of those and a signed model that every site would download.
/// </summary>
public static class CandidateModelCheck
{
    /// <summary>
    /// Why <paramref name="candidate"/> must not replace <paramref name="current"/>: a non-finite element anywhere, or a change
    /// of the trained weights whose L2 norm exceeds <paramref name="maxChangeRatio"/> times the current weights' norm (at
    /// least 1, so a model of zeros can still move). BatchNorm running statistics are left out of both norms, as out of the
    /// update norms the log shows: they are measured, not stepped, and a model trained from scratch moves its variances by
    /// hundreds in a round. Null when it may be committed.
    /// </summary>
    public static string? Problem(ModelState current, ModelState candidate, double maxChangeRatio)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        if (OutOfRangeValue.FirstIn(candidate) is { } nonFinite)
        {
            return $"it is not finite: {nonFinite}";
        }
        double change = ChangeNorm(current, candidate);
        double norm = DeltaClipping.WeightNorm(current);
        double allowed = maxChangeRatio * Math.Max(norm, 1);
        return change <= allowed ? null : FormattableString.Invariant(
            $"its model change norm {change:G4} exceeds the {allowed:G4} a round may move it ({maxChangeRatio:G4} × the current weights' norm {norm:G4})");
    }

    /// <summary>‖candidate − current‖₂ over the trained weights (running statistics left out), summed in double.</summary>
    public static double ChangeNorm(ModelState current, ModelState candidate)
    {
        double sumOfSquares = 0;
        foreach (NamedTensor after in candidate.Tensors.Where(t => !TensorRoles.IsRunningStatistic(t.Name)))
        {
            float[] before = current[after.Name].Values;
            for (int i = 0; i < before.Length; i++)
            {
                double difference = (double)after.Values[i] - before[i];
                sumOfSquares += difference * difference;
            }
        }
        return Math.Sqrt(sumOfSquares);
    }
}
