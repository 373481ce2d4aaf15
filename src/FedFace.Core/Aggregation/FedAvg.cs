using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>FedAvg (McMahan et al. 2017): the next global model is the global plus the weighted-mean delta.</summary>
public sealed class FedAvg : IServerOptimizer
{
    public string Name => "fedavg";

    public bool WantsReceivedModelStatistics => false;

    public ModelState Apply(ModelState global, ModelState weightedMeanDelta) =>
        new(global.Tensors.Select(g => AddDelta(g, weightedMeanDelta[g.Name])));

    public ModelState? ExportState() => null;

    public void RestoreState(ModelState state) =>
        throw new InvalidOperationException("FedAvg keeps no state between rounds; there is nothing to restore");

    /// <summary>global + delta, as a new tensor.</summary>
    internal static NamedTensor AddDelta(NamedTensor global, NamedTensor delta)
    {
        float[] next = new float[global.Values.Length];
        TensorPrimitives.Add(global.Values, delta.Values, next);
        return new NamedTensor(global.Name, (long[])global.Shape.Clone(), next);
    }
}
