namespace FedFace.Core.Aggregation;

/// <summary>
/// Keeps a global model's BatchNorm running variances non-negative. An average of sites' variances stays positive, but
/// Gaussian noise from differential privacy can push one below zero, and a BatchNorm would then take the square root of
/// a negative number: every embedding NaN. Clamping is post-processing, so it costs no privacy.
/// </summary>
public static class RunningStatistics
{
    public static ModelState WithValidVariances(ModelState model)
    {
        ArgumentNullException.ThrowIfNull(model);
        static bool HasNegative(NamedTensor t) => TensorRoles.IsRunningVariance(t.Name) && t.Values.Any(v => v < 0);
        if (!model.Tensors.Any(HasNegative))
        {
            return model;
        }
        return new ModelState(model.Tensors.Select(t => HasNegative(t)
            ? new NamedTensor(t.Name, t.Shape, t.Values.Select(v => Math.Max(v, 0f)).ToArray())
            : t));
    }
}
