using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Rounds;

/// <summary>Commits a round's model: signs it, checkpoints it with the optimiser's and the privacy state, then serves it.</summary>
public sealed class RoundCommitter(CheckpointStore checkpoints, IServerOptimizer optimizer, ModelSigner signer, CurrentModel current)
{
    public PublishedModel Commit(long round, ModelState model, DifferentialPrivacyCheckpoint? privacy)
    {
        PublishedModel published = PublishedModel.Sign(model, current.ModelVersion + 1, round, signer);
        OptimizerCheckpoint? optimizerState = optimizer.ExportState() is { } state ? new OptimizerCheckpoint(optimizer.Name, state) : null;
        checkpoints.Commit(round, published.Version, model, optimizerState, published.Signature, privacy);
        current.Publish(published);
        return published;
    }
}
