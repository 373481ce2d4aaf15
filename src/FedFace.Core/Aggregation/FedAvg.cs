using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>FedAvg (McMahan et al. 2017): the next global model is the global plus the weighted-mean delta.</summary>
public sealed class FedAvg : IServerOptimizer
{
    public string Name => "fedavg";

    public ModelState Apply(ModelState global, ModelState weightedMeanDelta)
    {
        return new ModelState(global.Tensors.Select(g =>
        {
            float[] next = new float[g.Values.Length];
            TensorPrimitives.Add(g.Values, weightedMeanDelta[g.Name].Values, next);
            return new NamedTensor(g.Name, (long[])g.Shape.Clone(), next);
        }));
    }
}
