using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// FedProx's proximal term μ/2·Σ‖w − w_global‖² over some parameters, where w_global is a frozen copy taken when the
/// term is made (the round's global weights, just loaded). Added to the loss, it adds μ·(w − w_global) to each
/// gradient, pulling a site that drifts on its own data back towards the model everyone shares.
/// </summary>
internal sealed class ProximalTerm : IDisposable
{
    private readonly (Parameter Parameter, Tensor Anchor)[] _pairs;
    private readonly double _mu;

    public ProximalTerm(IEnumerable<Parameter> parameters, double mu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mu);
        _mu = mu;
        using var noGrad = no_grad();
        _pairs = parameters.Select(p => (p, p.detach().clone().DetachFromDisposeScope())).ToArray();
    }

    /// <summary>The term as a scalar tensor in the autograd graph (made inside the caller's dispose scope).</summary>
    public Tensor Loss()
    {
        Tensor sum = zeros(1);
        foreach ((Parameter parameter, Tensor anchor) in _pairs)
        {
            sum = sum + (parameter - anchor).square().sum();
        }
        return sum.squeeze() * (_mu / 2);
    }

    public void Dispose()
    {
        foreach ((Parameter _, Tensor anchor) in _pairs)
        {
            anchor.Dispose();
        }
    }
}
