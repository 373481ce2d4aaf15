using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>
/// FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2), with Δ the round's weighted-mean
/// delta: m ← β₁·m + (1−β₁)·Δ, v ← β₂·v + (1−β₂)·Δ², x ← x + η·m / (√v + τ). As in the paper there is no bias
/// correction; τ bounds the step where v is tiny. BatchNorm running statistics are averaged, not stepped.
/// </summary>
public sealed class FedAdam : IServerOptimizer
{
    private readonly float _learningRate;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _tau;
    private Dictionary<string, float[]> _firstMoment = new(StringComparer.Ordinal);
    private Dictionary<string, float[]> _secondMoment = new(StringComparer.Ordinal);

    public FedAdam(float serverLearningRate, float beta1 = 0.9f, float beta2 = 0.99f, float tau = 1e-3f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(serverLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tau);
        foreach ((string name, float beta) in new[] { (nameof(beta1), beta1), (nameof(beta2), beta2) })
        {
            if (beta is < 0 or >= 1)
            {
                throw new ArgumentOutOfRangeException(name, $"{name} must be in [0, 1), got {beta}");
            }
        }
        (_learningRate, _beta1, _beta2, _tau) = (serverLearningRate, beta1, beta2, tau);
    }

    public string Name => "fedadam";

    public bool WantsReceivedModelStatistics => true;

    public ModelState Apply(ModelState global, ModelState weightedMeanDelta) => new(global.Tensors.Select(g =>
    {
        NamedTensor delta = weightedMeanDelta[g.Name];
        if (TensorRoles.IsRunningStatistic(g.Name))
        {
            return FedAvg.AddDelta(g, delta);
        }
        float[] m = ServerState.Slot(_firstMoment, g), v = ServerState.Slot(_secondMoment, g);
        float[] next = new float[g.Values.Length];
        ReadOnlySpan<float> d = delta.Values, x = g.Values;
        for (int i = 0; i < next.Length; i++)
        {
            m[i] = _beta1 * m[i] + (1 - _beta1) * d[i];
            v[i] = _beta2 * v[i] + (1 - _beta2) * d[i] * d[i];
            next[i] = x[i] + _learningRate * m[i] / (MathF.Sqrt(v[i]) + _tau);
        }
        return new NamedTensor(g.Name, (long[])g.Shape.Clone(), next);
    }));

    public ModelState? ExportState() => ServerState.Export(("m", _firstMoment), ("v", _secondMoment));

    public void RestoreState(ModelState state)
    {
        _firstMoment = ServerState.Import(state, "m");
        _secondMoment = ServerState.Import(state, "v");
    }
}
