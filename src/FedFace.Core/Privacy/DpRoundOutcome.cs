using System.Numerics.Tensors;

namespace FedFace.Core.Privacy;

/// <summary>What the aggregator's DP step made of a round's unmasked sum.</summary>
/// <param name="NoisedSum">The sum with its noise, to publish from (the same object that was passed in, noised in place).</param>
/// <param name="NextClipNorm">C for the next round (unchanged when the clip is fixed); store it in the checkpoint.</param>
/// <param name="UnclippedFraction">b̃, the noised share of sites that were not clipped; null when the clip is fixed.</param>
/// <param name="SamplingRate">q to compose into the accountant.</param>
/// <param name="RealisedNoiseMultiplier">z to compose into the accountant: the noise the sum actually carries.</param>
/// <param name="SampledSites">m, the fixed denominator of <see cref="MeanDelta"/>.</param>
public sealed record DpRoundOutcome(ModelState NoisedSum, double NextClipNorm, double? UnclippedFraction, double SamplingRate,
    double RealisedNoiseMultiplier, int SampledSites)
{
    /// <summary>
    /// The noised sum over m, the number of sites sampled (McMahan et al. 2018's fixed-denominator estimator): dividing
    /// by the survivors would make the published model reveal how many took part. Dropouts shrink the step by s/m.
    /// </summary>
    public ModelState MeanDelta()
    {
        float scale = (float)(1.0 / SampledSites);
        return new ModelState(NoisedSum.Tensors.Select(t =>
        {
            float[] mean = new float[t.Values.Length];
            TensorPrimitives.Multiply(t.Values, scale, mean);
            return new NamedTensor(t.Name, (long[])t.Shape.Clone(), mean);
        }));
    }
}
