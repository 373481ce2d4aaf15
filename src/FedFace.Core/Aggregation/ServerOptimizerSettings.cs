namespace FedFace.Core.Aggregation;

/// <summary>Which server optimiser turns a round's mean delta into the next global model, and its knobs.</summary>
public sealed class ServerOptimizerSettings
{
    /// <summary>"fedavg", "fedavgm" or "fedadam".</summary>
    public string Kind { get; set; } = "fedavg";
    /// <summary>Server learning rate η (FedAvgM, FedAdam). FedAvgM with η = 1, β = 0 is FedAvg.</summary>
    public float LearningRate { get; set; } = 1f;
    /// <summary>FedAvgM's server momentum β.</summary>
    public float Momentum { get; set; } = 0.9f;
    /// <summary>FedAdam's first-moment decay β1.</summary>
    public float Beta1 { get; set; } = 0.9f;
    /// <summary>FedAdam's second-moment decay β2.</summary>
    public float Beta2 { get; set; } = 0.99f;
    /// <summary>FedAdam's adaptivity τ (Reddi et al. find 1e-3 a good default).</summary>
    public float Tau { get; set; } = 1e-3f;

    public static IReadOnlyList<string> Kinds { get; } = ["fedavg", "fedavgm", "fedadam"];

    public IServerOptimizer Create() => Kind switch
    {
        "fedavg" => new FedAvg(),
        "fedavgm" => new FedAvgM(LearningRate, Momentum),
        "fedadam" => new FedAdam(LearningRate, Beta1, Beta2, Tau),
        _ => throw new ArgumentException($"unknown server optimiser '{Kind}'; choose one of {string.Join(", ", Kinds)}"),
    };

    /// <summary>Every problem with the settings as sentences naming the setting under <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (!Kinds.Contains(Kind))
        {
            yield return $"{prefix}:Kind must be one of {string.Join(", ", Kinds)}, got '{Kind}'";
        }
        if (!(LearningRate > 0))
        {
            yield return $"{prefix}:LearningRate must be positive, got {LearningRate}";
        }
        foreach ((string name, float value) in new[] { ("Momentum", Momentum), ("Beta1", Beta1), ("Beta2", Beta2) })
        {
            if (value is < 0 or >= 1 || float.IsNaN(value))
            {
                yield return $"{prefix}:{name} must be in [0, 1), got {value}";
            }
        }
        if (!(Tau > 0))
        {
            yield return $"{prefix}:Tau must be positive, got {Tau}";
        }
    }
}
