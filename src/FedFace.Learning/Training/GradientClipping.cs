using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// Scales the gradient of <paramref name="parameters"/>, taken as one vector, down to <paramref name="maxNorm"/> when it
/// is longer (torch.nn.utils.clip_grad_norm_), and keeps count: how many steps it shortened and the longest gradient it
/// saw, so a site can tell an operator whether its training ran into the bound.
/// </summary>
internal sealed class GradientClipping(IReadOnlyList<Parameter> parameters, float maxNorm)
{
    public int ClippedSteps { get; private set; }
    public double LargestNorm { get; private set; }

    /// <summary>Call between backward and the optimiser's step.</summary>
    public void Apply()
    {
        double norm = nn.utils.clip_grad_norm_(parameters, maxNorm);
        LargestNorm = Math.Max(LargestNorm, norm);
        if (norm > maxNorm)
        {
            ClippedSteps++;
        }
    }
}
