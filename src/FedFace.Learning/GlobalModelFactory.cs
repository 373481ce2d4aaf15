using FedFace.Core;
using FedFace.Learning.Backbones;

namespace FedFace.Learning;

/// <summary>The federation's round-0 model: a freshly initialised backbone (MobileFaceNet unless told otherwise).</summary>
public static class GlobalModelFactory
{
    /// <summary>Random-initialised backbone state; the same seed gives the same state (and hash) on every machine.</summary>
    public static ModelState CreateInitial(int seed, BackboneArchitecture? architecture = null)
    {
        using FaceBackbone backbone = (architecture ?? BackboneArchitecture.MobileFaceNet).Create(seed);
        return BackboneState.Export(backbone);
    }
}
