namespace FedFace.Core.Aggregation;

/// <summary>
/// The strategy seam: how a round's weighted-mean delta becomes the next global model. FedAvg adds it;
/// server optimisers (FedAvgM, FedAdam) keep state between rounds and step with it. That state is part
/// of the aggregator's checkpoint, so a restarted aggregator continues with the same momentum.
/// </summary>
public interface IServerOptimizer
{
    string Name { get; }

    ModelState Apply(ModelState global, ModelState weightedMeanDelta);

    /// <summary>
    /// True when the next model's weights are not the sites' average but a step from it (FedAvgM, FedAdam). BatchNorm
    /// statistics of the sites' trained weights would then describe weights the model does not have, so sites are asked
    /// for the statistics of the model they received, which the step moves away from only a little.
    /// </summary>
    bool WantsReceivedModelStatistics { get; }

    /// <summary>The state carried between rounds, as named tensors; null when the optimiser has none.</summary>
    ModelState? ExportState();

    /// <summary>Continues from a state <see cref="ExportState"/> produced for a model of the same layout.</summary>
    void RestoreState(ModelState state);
}
