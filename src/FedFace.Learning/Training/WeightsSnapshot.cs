using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Heads;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>The backbone and head weights of the best epoch so far, for early stopping.</summary>
internal sealed class WeightsSnapshot : IDisposable
{
    private ModelState? _backbone;
    private Tensor? _head;

    public void Take(FaceBackbone backbone, ArcFaceHead head)
    {
        _backbone = BackboneState.Export(backbone);
        _head?.Dispose();
        _head = head.Weight.detach().clone().DetachFromDisposeScope();
    }

    public void Restore(FaceBackbone backbone, ArcFaceHead head)
    {
        if (_backbone is null || _head is null)
        {
            return;
        }
        BackboneState.Import(backbone, _backbone);
        using var noGrad = no_grad();
        head.Weight.copy_(_head);
    }

    public void Dispose() => _head?.Dispose();
}
