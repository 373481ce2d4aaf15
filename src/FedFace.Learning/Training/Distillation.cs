using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedFace.Learning.Training;

/// <summary>
/// The teacher of <see cref="TrainingPlan.DistillationWeight"/>: a frozen copy of the backbone as it was when
/// training started, in eval mode (BatchNorm from its running statistics), whose embedding of each unmasked face the
/// student's embedding of the trained face is pulled towards.
/// </summary>
internal sealed class Distillation : IDisposable
{
    private readonly FaceBackbone _teacher;
    private readonly float _weight;

    public Distillation(FaceBackbone student, float weight)
    {
        _weight = weight;
        _teacher = student.Architecture.Create();
        BackboneState.Import(_teacher, BackboneState.Export(student));
        _teacher.eval();
        foreach (var parameter in _teacher.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    /// <summary>λ·mean(1 − cos(student, teacher(unmasked))); runs inside the caller's dispose scope.</summary>
    public Tensor Loss(Tensor studentEmbeddings, Tensor unmaskedFaces)
    {
        Tensor target;
        using (no_grad())
        {
            target = _teacher.call(unmaskedFaces);
        }
        return (1 - F.cosine_similarity(studentEmbeddings, target, dim: 1)).mean() * _weight;
    }

    public void Dispose() => _teacher.Dispose();
}
