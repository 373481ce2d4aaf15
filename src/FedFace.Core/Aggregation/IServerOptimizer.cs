namespace FedFace.Core.Aggregation;

/// <summary>
/// The strategy seam: how a round's weighted-mean delta becomes the next global model. FedAvg adds it;
/// server optimisers (FedAvgM, FedAdam) keep state between rounds and step with it.
/// </summary>
public interface IServerOptimizer
{
    string Name { get; }

    ModelState Apply(ModelState global, ModelState weightedMeanDelta);
}
