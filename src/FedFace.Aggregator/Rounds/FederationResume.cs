using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>Where the federation stands at start-up: the model to serve and the committed state it came from.</summary>
public sealed record ResumedFederation(PublishedModel Published, CommittedState State);

/// <summary>
/// Starts the federation from its committed checkpoint (restoring the server optimiser's state), or a new one from the
/// initial model; a damaged checkpoint stops the start unless the operator allowed falling back to an intact one.
/// </summary>
public sealed class FederationResume(IOptions<AggregatorOptions> options, CheckpointStore checkpoints, IServerOptimizer optimizer, ModelSigner signer,
    ILogger<FederationResume> logger)
{
    private readonly AggregatorOptions _options = options.Value;

    public ResumedFederation Load()
    {
        RemoveOrphanedTemporaries();
        return checkpoints.HasState ? Resume() : StartNew();
    }

    /// <summary>A commit killed mid-write leaves its temporary files; the committed state never names them, so they go.</summary>
    private void RemoveOrphanedTemporaries()
    {
        foreach (string orphan in checkpoints.RemoveOrphanedTemporaries())
        {
            logger.LogWarning("Removed {Orphan}, a temporary file a commit interrupted by a crash left behind", orphan);
        }
    }

    private ResumedFederation Resume()
    {
        (CommittedState state, ModelState model, OptimizerCheckpoint? optimizerState, IReadOnlyList<string> damaged) = LoadCheckpoint();
        if (damaged.Count > 0)
        {
            state = RepublishAfterFallBack(state, model, optimizerState);
        }
        PublishedModel published = state.Signature is { } signature && !signer.SignedWithFormerKey(signature, model.ComputeSha256())
            ? PublishedModel.WithSignature(model, state.ModelVersion, state.CommittedRound, signature)
            : SignUnsignedCheckpoint(model, state);
        RestoreOptimizer(optimizerState);
        AggregatorLog.StateResumed(logger, state.CommittedRound, state.ModelVersion, state.ModelSha256);
        return new ResumedFederation(published, state);
    }

    private ResumedFederation StartNew()
    {
        if (string.IsNullOrEmpty(_options.InitialModelPath))
        {
            throw new AggregatorStartupException(
                $"no committed state in {checkpoints.Directory} and no Aggregator:InitialModelPath to start from");
        }
        ModelState model;
        try
        {
            (model, _) = ModelFile.Read(_options.InitialModelPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new AggregatorStartupException($"Aggregator:InitialModelPath '{_options.InitialModelPath}' cannot be read: {e.Message}", e);
        }
        PublishedModel published = PublishedModel.Sign(model, version: 0, round: 0, signer);
        CommittedState state = checkpoints.Commit(round: 0, version: 0, model, signature: published.Signature);
        AggregatorLog.FederationStarted(logger, _options.InitialModelPath, model.Tensors.Count, model.ParameterCount, state.ModelSha256);
        return new ResumedFederation(published, state);
    }

    /// <summary>A server optimiser continues with its committed momentum; a changed optimiser starts afresh, said loudly.</summary>
    private void RestoreOptimizer(OptimizerCheckpoint? committed)
    {
        if (committed is null)
        {
            return;
        }
        if (committed.Name != optimizer.Name)
        {
            logger.LogWarning("The committed rounds used server optimiser {Committed}; continuing with {Configured} from fresh state",
                committed.Name, optimizer.Name);
            return;
        }
        optimizer.RestoreState(committed.State);
    }

    /// <summary>
    /// The intact model a fall-back resumed from, committed again under a version above every one on disk: sites keep a
    /// floor of the newest version they accepted, so the lost versions' numbers must never come back with other weights.
    /// </summary>
    private CommittedState RepublishAfterFallBack(CommittedState intact, ModelState model, OptimizerCheckpoint? optimizerState)
    {
        long version = checkpoints.HighestVersionOnDisk() + 1;
        PublishedModel published = PublishedModel.Sign(model, version, intact.CommittedRound, signer);
        logger.LogWarning("Publishing the intact model v{Intact} again as v{Version}, above every version on disk", intact.ModelVersion, version);
        return checkpoints.Commit(intact.CommittedRound, version, model, optimizerState, published.Signature, intact.Privacy);
    }

    /// <summary>
    /// The committed checkpoint. A damaged one stops the start, unless the operator allowed falling back to the newest
    /// intact earlier checkpoint: then the rounds after it are lost and run again, which is said loudly.
    /// </summary>
    private LoadedCheckpoint LoadCheckpoint()
    {
        if (!_options.FallBackToIntactCheckpoint)
        {
            try
            {
                (CommittedState state, ModelState model, OptimizerCheckpoint? optimizerState) = checkpoints.Load();
                return new LoadedCheckpoint(state, model, optimizerState, []);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new AggregatorStartupException($"the committed checkpoint is damaged: {e.Message}. To resume from the newest intact earlier "
                    + "checkpoint (the rounds after it are lost and run again), start with --Aggregator:FallBackToIntactCheckpoint true", e);
            }
        }
        LoadedCheckpoint loaded;
        try
        {
            loaded = checkpoints.LoadNewestIntact();
        }
        catch (InvalidDataException e)
        {
            throw new AggregatorStartupException(e.Message, e);
        }
        if (loaded.Damaged.Count > 0)
        {
            if (_options.DifferentialPrivacy.Enabled)
            {
                // The privacy spent by the lost rounds was real (their models went out), and an earlier accountant forgets it.
                throw new AggregatorStartupException($"the committed checkpoint is damaged ({string.Join("; ", loaded.Damaged)}), and with differential "
                    + $"privacy an earlier checkpoint would forget the privacy the later rounds spent: not falling back to model v{loaded.State.ModelVersion}");
            }
            logger.LogWarning("FALLING BACK TO AN EARLIER CHECKPOINT: {Damaged}. Resuming from the newest intact one, model v{Version} of round {Round}; "
                + "the rounds after it are lost and run again", string.Join("; ", loaded.Damaged), loaded.State.ModelVersion, loaded.State.CommittedRound);
        }
        return loaded;
    }

    /// <summary>
    /// A checkpoint written before models were signed, or signed with the TLS key before models had a signing key of
    /// their own (sites refuse those): the aggregator signs what it committed then. Said loudly, because
    /// whoever could write the state directory could have changed that model; from the next commit on, the signature is kept.
    /// </summary>
    private PublishedModel SignUnsignedCheckpoint(ModelState model, CommittedState state)
    {
        logger.LogWarning("The committed model v{Version} in {Directory} has {What}; signing it now with the model-signing key",
            state.ModelVersion, checkpoints.Directory, state.Signature is null ? "no signature (written before models were signed)" : "a signature by its TLS key");
        return PublishedModel.Sign(model, state.ModelVersion, state.CommittedRound, signer);
    }
}
