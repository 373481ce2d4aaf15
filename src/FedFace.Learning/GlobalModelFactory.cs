using FedFace.Core;
using FedFace.Learning.Backbones;

namespace FedFace.Learning;

/// <summary>The federation's round-0 model: a freshly initialised MobileFaceNet backbone.</summary>
public static class GlobalModelFactory
{
    /// <summary>Random-initialised backbone state; the same seed gives the same state (and hash) on every machine.</summary>
    public static ModelState CreateInitial(int seed)
    {
        using var backbone = new MobileFaceNet(seed);
        return BackboneState.Export(backbone);
    }
}
