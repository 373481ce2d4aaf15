using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// What of a <see cref="SiteModel"/> stays at the site between rounds: its private head and, under FedBN, its own
/// BatchNorm tensors. Loads the global model around them, keeps them out of the delta, and saves and restores them as a
/// <see cref="SiteModelState"/> for a site whose backbone is borrowed. Not thread-safe.
/// </summary>
internal sealed class SiteLocalState(FaceBackbone backbone, ArcFaceHead head)
{
    private readonly IReadOnlySet<string> _batchNormTensors = BackboneParts.BatchNormTensorNames(backbone);
    /// <summary>The site's own BatchNorm tensors while they are not in the backbone (a borrowed one, before the first load).</summary>
    private ModelState? _savedBatchNorm;
    private bool _hasLoadedGlobal;
    private bool _batchNormKeptLocal;

    public bool IsBatchNorm(string tensorName) => _batchNormTensors.Contains(tensorName);

    /// <summary>Puts back what <see cref="Save"/> kept: the head's weights now, the BatchNorm tensors at the next load.</summary>
    public void Restore(SiteModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long expected = (long)head.ClassCount * backbone.EmbeddingSize;
        if (state.HeadWeights.Length != expected)
        {
            throw new ArgumentException($"the saved head has {state.HeadWeights.Length} weights, {head.ClassCount} classes × {backbone.EmbeddingSize} need {expected}");
        }
        using (no_grad())
        {
            head.Weight.copy_(tensor(state.HeadWeights, [head.ClassCount, backbone.EmbeddingSize]));
        }
        _savedBatchNorm = state.LocalBatchNorm;
        _hasLoadedGlobal = state.LocalBatchNorm is not null;
    }

    /// <summary>The head's weights and, when the last load kept BatchNorm local (FedBN), the BatchNorm tensors.</summary>
    public SiteModelState Save()
    {
        float[] headWeights;
        using (NewDisposeScope())
        {
            headWeights = head.Weight.detach().data<float>().ToArray();
        }
        ModelState? batchNorm = _batchNormKeptLocal
            ? new ModelState(BackboneState.Export(backbone).Tensors.Where(t => IsBatchNorm(t.Name)))
            : null;
        return new SiteModelState(headWeights, batchNorm);
    }

    /// <summary>
    /// Replaces the backbone's weights with <paramref name="global"/>'s; with <paramref name="keepBatchNormLocal"/> the
    /// site's own BatchNorm stays, except at its very first load, when it has none of its own yet.
    /// </summary>
    public void LoadGlobal(ModelState global, bool keepBatchNormLocal)
    {
        BackboneState.Import(backbone, keepBatchNormLocal && _hasLoadedGlobal ? WithOwnBatchNorm(global) : global);
        _savedBatchNorm = null;
        ResetBatchCounters();
        _hasLoadedGlobal = true;
        _batchNormKeptLocal = keepBatchNormLocal;
    }

    /// <summary>The delta as the wire carries it: after a FedBN load every BatchNorm tensor's delta is zero.</summary>
    public ModelState WithoutLocalChanges(ModelState delta) => _batchNormKeptLocal
        ? new ModelState(delta.Tensors.Select(t => IsBatchNorm(t.Name) ? NamedTensor.Zeros(t.Name, t.Shape) : t))
        : delta;

    /// <summary>The site's BatchNorm tensors (its saved ones, or its current backbone's) in place of the global model's.</summary>
    private ModelState WithOwnBatchNorm(ModelState global)
    {
        ModelState own = _savedBatchNorm ?? BackboneState.Export(backbone);
        return new ModelState(global.Tensors.Select(t => IsBatchNorm(t.Name) ? own[t.Name] : t));
    }

    /// <summary>
    /// num_batches_tracked is no part of the model state: on a reused backbone it would carry the last site's count into
    /// this one's (it steers BatchNorm's cumulative average); every load starts it from zero, a resident site's too.
    /// </summary>
    private void ResetBatchCounters()
    {
        using var noGrad = no_grad();
        foreach (BatchNorm batchNorm in backbone.modules().OfType<BatchNorm>())
        {
            batchNorm.num_batches_tracked?.zero_();
        }
    }
}
