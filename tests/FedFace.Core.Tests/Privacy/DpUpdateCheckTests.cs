using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Core.Tests.Privacy;

/// <summary>The aggregator refuses a DP update that breaks the round's rules, naming what broke them; an honest one passes.</summary>
public sealed class DpUpdateCheckTests
{
    private static readonly (string, long[])[] s_layout = [("conv.weight", [8, 3, 3, 3]), ("fc.weight", [16, 8])];

    private static readonly DpSiteInstructions s_centralFixed = new(ClipNorm: 0.5, UpdateNoiseStandardDeviation: 0, ReportsUnclippedIndicator: false, IndicatorNoiseStandardDeviation: 0);
    private static readonly DpSiteInstructions s_centralAdaptive = s_centralFixed with { ReportsUnclippedIndicator = true };
    private static readonly DpSiteInstructions s_distributedAdaptive = new(0.5, 0.2, true, 0.3);

    private static ModelState Delta(float scale) => Models.Random(3, scale, s_layout);

    [Fact]
    public void A_delta_the_site_clipped_passes_even_when_clipping_left_it_at_the_bound()
    {
        ModelState clipped = DeltaClipping.Clip(Delta(1f), s_centralFixed.ClipNorm).Delta;

        Assert.Null(DpUpdateRejection.Check(clipped, null, s_centralFixed));
    }

    [Fact]
    public void A_delta_over_the_clip_is_rejected_naming_its_norm_and_the_clip()
    {
        ModelState delta = Delta(1f);
        double norm = DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));

        Rejection? rejection = DpUpdateRejection.Check(delta, null, s_centralFixed);

        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.NormExceedsClip, rejection.Code);
        Assert.Equal(FormattableString.Invariant($"the delta's L2 norm {norm:G6} exceeds the round's clip norm 0.5"), rejection.Reason);
    }

    [Fact]
    public void In_distributed_mode_the_noise_share_is_allowed_for_but_not_more()
    {
        ModelState honest = DpSiteStep.Protect(Delta(1f), s_distributedAdaptive).Delta;
        double bound = DpUpdateCheck.NormBound(s_distributedAdaptive, honest.ParameterCount);
        ModelState inflated = Models.Random(4, 1f, s_layout);
        double inflatedNorm = DeltaClipping.L2Norm(inflated.Tensors.Select(t => t.Values));

        Assert.Null(DpUpdateRejection.Check(honest, 0.5f, s_distributedAdaptive));
        Assert.True(inflatedNorm > bound, $"the test's inflated delta ({inflatedNorm}) must exceed the bound {bound}");
        Rejection? rejection = DpUpdateRejection.Check(inflated, 0.5f, s_distributedAdaptive);
        Assert.Equal(RejectionCode.NormExceedsClip, rejection?.Code);
        Assert.Contains("plus what the site's noise share explains", rejection!.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5f, null)]
    [InlineData(-0.5f, null)]
    [InlineData(null, "the round uses adaptive clipping, but the update carries no unclipped indicator")]
    [InlineData(1f, "the unclipped indicator 1 is not b − ½ for a bit b")]
    [InlineData(0.25f, "the unclipped indicator 0.25 is not b − ½ for a bit b")]
    public void With_adaptive_clipping_in_central_mode_the_indicator_must_be_plus_or_minus_one_half(float? indicator, string? reason)
    {
        ModelState clipped = DeltaClipping.Clip(Delta(1f), s_centralAdaptive.ClipNorm).Delta;

        Rejection? rejection = DpUpdateRejection.Check(clipped, indicator, s_centralAdaptive);

        Assert.Equal(reason, rejection?.Reason);
        Assert.True(rejection is null || rejection.Code == RejectionCode.BadUnclippedIndicator);
    }

    [Fact]
    public void A_noised_indicator_passes_in_distributed_mode_unless_no_noise_could_explain_it()
    {
        ModelState delta = DpSiteStep.Protect(Delta(0.001f), s_distributedAdaptive).Delta;

        Assert.Null(DpUpdateRejection.Check(delta, 0.5f + 3 * 0.3f, s_distributedAdaptive));
        Assert.Equal(RejectionCode.BadUnclippedIndicator, DpUpdateRejection.Check(delta, 40f, s_distributedAdaptive)?.Code);
        Assert.Equal(RejectionCode.BadUnclippedIndicator, DpUpdateRejection.Check(delta, float.NaN, s_distributedAdaptive)?.Code);
    }

    [Fact]
    public void An_indicator_the_round_did_not_ask_for_is_rejected()
    {
        ModelState clipped = DeltaClipping.Clip(Delta(1f), s_centralFixed.ClipNorm).Delta;

        Rejection? rejection = DpUpdateRejection.Check(clipped, 0.5f, s_centralFixed);

        Assert.Equal(RejectionCode.BadUnclippedIndicator, rejection?.Code);
        Assert.Equal("the round uses a fixed clip and asked for no unclipped indicator", rejection?.Reason);
    }
}
