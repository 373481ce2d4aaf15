using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>
/// FedAvg with server momentum (Hsu et al. 2019, "Measuring the effects of non-identical data distribution"):
/// v ← β·v + Δ, x ← x + η·v, where Δ is the round's weighted-mean delta. With β = 0 and η = 1 it is FedAvg.
/// BatchNorm running statistics are averaged, not stepped (<see cref="TensorRoles.IsRunningStatistic"/>).
/// </summary>
public sealed class FedAvgM : IServerOptimizer
{
    private readonly float _learningRate;
    private readonly float _momentum;
    private Dictionary<string, float[]> _velocity = new(StringComparer.Ordinal);

    public FedAvgM(float serverLearningRate, float momentum)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(serverLearningRate);
        if (momentum is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), $"momentum must be in [0, 1), got {momentum}");
        }
        _learningRate = serverLearningRate;
        _momentum = momentum;
    }

    public string Name => "fedavgm";

    /// <summary>Unless the step is FedAvg's own (η = 1, β = 0).</summary>
    public bool WantsReceivedModelStatistics => _learningRate != 1f || _momentum != 0f;

    public ModelState Apply(ModelState global, ModelState weightedMeanDelta) => new(global.Tensors.Select(g =>
    {
        NamedTensor delta = weightedMeanDelta[g.Name];
        if (TensorRoles.IsRunningStatistic(g.Name))
        {
            return FedAvg.AddDelta(g, delta);
        }
        float[] velocity = ServerState.Slot(_velocity, g);
        TensorPrimitives.MultiplyAdd(velocity, _momentum, delta.Values, velocity); // v = β·v + Δ
        float[] next = new float[g.Values.Length];
        TensorPrimitives.MultiplyAdd(velocity, _learningRate, g.Values, next);    // x + η·v
        return new NamedTensor(g.Name, (long[])g.Shape.Clone(), next);
    }));

    public ModelState? ExportState() => ServerState.Export(("velocity", _velocity));

    public void RestoreState(ModelState state) => _velocity = ServerState.Import(state, "velocity");
}
