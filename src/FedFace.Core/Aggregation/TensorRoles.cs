namespace FedFace.Core.Aggregation;

/// <summary>What the aggregator can tell about a tensor from its name alone.</summary>
public static class TensorRoles
{
    /// <summary>
    /// BatchNorm running means and variances are statistics, not weights: a server optimiser must not step
    /// them with momentum or adaptive scaling (a variance could even turn negative); they are averaged.
    /// </summary>
    public static bool IsRunningStatistic(string name) =>
        name.EndsWith(".running_mean", StringComparison.Ordinal) || IsRunningVariance(name);

    public static bool IsRunningVariance(string name) => name.EndsWith(".running_var", StringComparison.Ordinal);
}
