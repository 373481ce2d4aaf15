namespace FedFace.Core.Privacy;

/// <summary>What clipping did to one site's delta.</summary>
/// <param name="NormBeforeClipping">The delta's L2 norm over all its tensors. Stays at the site: it is not private-safe to send.</param>
/// <param name="ClipNorm">The bound C the delta was clipped to.</param>
public readonly record struct ClippingOutcome(double NormBeforeClipping, double ClipNorm)
{
    /// <summary>The delta was scaled down (norm above C). Its complement is adaptive clipping's bit: "norm ≤ C".</summary>
    public bool WasClipped => NormBeforeClipping > ClipNorm;
}
