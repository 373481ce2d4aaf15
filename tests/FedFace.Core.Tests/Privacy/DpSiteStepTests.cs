using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class DpSiteStepTests
{
    [Fact]
    public void Central_mode_sites_only_clip_and_report_their_bit()
    {
        ModelState delta = Models.Random(5, 1f, ("w", [300]), ("b", [20]));
        var instructions = new DpSiteInstructions(ClipNorm: 1, UpdateNoiseStandardDeviation: 0, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0);

        DpSiteContribution contribution = DpSiteStep.Protect(delta, instructions);

        Models.AssertIdentical(DeltaClipping.Clip(delta, 1).Delta, contribution.Delta);
        Assert.True(contribution.Clipping.WasClipped);
        Assert.Equal(-0.5f, contribution.UnclippedIndicator);
    }

    [Fact]
    public void Without_adaptive_clipping_there_is_no_bit_to_report()
    {
        ModelState delta = Models.Random(5, 1e-4f, ("w", [10]));
        DpSiteContribution contribution = DpSiteStep.Protect(delta, new DpSiteInstructions(1, 0, ReportsUnclippedIndicator: false, 0));
        Assert.False(contribution.Clipping.WasClipped);
        Assert.Equal(0f, contribution.UnclippedIndicator);
    }

    [Fact]
    public void Distributed_mode_sites_add_their_noise_share_to_every_coordinate()
    {
        ModelState zeros = new([NamedTensor.Zeros("w", [600_000]), NamedTensor.Zeros("b", [400_000])]);
        DpSiteContribution contribution = DpSiteStep.Protect(zeros, new DpSiteInstructions(1, UpdateNoiseStandardDeviation: 0.3, true, 0.1));

        float[] all = [.. contribution.Delta.Tensors.SelectMany(t => t.Values)];
        double variance = all.Average(v => (double)v * v);
        Assert.InRange(variance / 0.09, 0.99, 1.01);
        Assert.NotEqual(0.5f, contribution.UnclippedIndicator); // ½ plus its noise share
        Assert.All(zeros.Tensors, t => Assert.All(t.Values, v => Assert.Equal(0f, v))); // the input is untouched
    }

    [Fact]
    public void In_a_secure_round_distributed_sites_only_clip_and_report_their_bare_bit_leaving_the_noise_to_the_integers()
    {
        ModelState delta = Models.Random(5, 1f, ("w", [300]), ("b", [20]));
        var instructions = new DpSiteInstructions(1, UpdateNoiseStandardDeviation: 0.3, true, IndicatorNoiseStandardDeviation: 0.1);

        DpSiteContribution contribution = DpSiteStep.Protect(delta, instructions, noiseAfterQuantization: true);

        // No floating-point noise at all: exactly the clipped delta and the bit; DiscreteGaussianEncoder adds the shares.
        Models.AssertIdentical(DeltaClipping.Clip(delta, 1).Delta, contribution.Delta);
        Assert.Equal(-0.5f, contribution.UnclippedIndicator);
    }

    [Fact]
    public void Unusable_instructions_from_the_wire_are_refused()
    {
        ModelState delta = Models.Random(1, 1f, ("w", [4]));
        var error = Assert.Throws<ArgumentException>(() => DpSiteStep.Protect(delta, new DpSiteInstructions(1, -0.1, false, 0)));
        Assert.Contains("update noise must be finite and non-negative", error.Message);
        Assert.Throws<ArgumentException>(() => DpSiteStep.Protect(delta, new DpSiteInstructions(0, 0, false, 0)));
    }
}
