namespace FedFace.Core.Privacy;

/// <summary><paramref name="Rounds"/> rounds of the sampled Gaussian mechanism at one sampling rate and noise multiplier.</summary>
/// <param name="SamplingRate">q: the probability that a given site takes part in a round (1 when every site always does).</param>
/// <param name="NoiseMultiplier">z: the noise standard deviation on the sum over the clip norm, as actually added.</param>
public sealed record RdpComposition(double SamplingRate, double NoiseMultiplier, long Rounds);
