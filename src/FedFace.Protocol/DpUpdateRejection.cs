using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Protocol;

/// <summary>
/// The aggregator's DP checks of an update before folding it. The noise is calibrated to the sensitivity C, which holds
/// only if no site moves the sum by more than C: an update over the clip (<see cref="DpUpdateCheck.NormBound"/>) is
/// refused, never clipped again (its site does not follow the protocol). The adaptive-clipping bit must be what the round
/// asked for.
/// </summary>
public static class DpUpdateRejection
{
    public static Rejection? Check(ModelState delta, float? unclippedIndicator, DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(instructions);
        double bound = DpUpdateCheck.NormBound(instructions, delta.ParameterCount);
        double norm = DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));
        if (!(norm <= bound))
        {
            string allowance = instructions.UpdateNoiseStandardDeviation > 0 ? $" plus what the site's noise share explains ({bound:G6} in all)" : "";
            return new Rejection(RejectionCode.NormExceedsClip,
                FormattableString.Invariant($"the delta's L2 norm {norm:G6} exceeds the round's clip norm {instructions.ClipNorm:G6}{allowance}"));
        }
        return CheckIndicator(unclippedIndicator, instructions);
    }

    private static Rejection? CheckIndicator(float? indicator, DpSiteInstructions instructions)
    {
        if (!instructions.ReportsUnclippedIndicator)
        {
            return indicator is null ? null : BadIndicator("the round uses a fixed clip and asked for no unclipped indicator");
        }
        if (indicator is not float value)
        {
            return BadIndicator("the round uses adaptive clipping, but the update carries no unclipped indicator");
        }
        double noise = instructions.IndicatorNoiseStandardDeviation;
        bool possible = noise == 0
            ? Math.Abs(value) == 0.5f
            : float.IsFinite(value) && Math.Abs(value) <= 0.5 + DpUpdateCheck.NoiseTailDeviations * noise;
        return possible
            ? null
            : BadIndicator(FormattableString.Invariant($"the unclipped indicator {value:G6} is not b − ½ for a bit b")
                + (noise > 0 ? FormattableString.Invariant($" plus noise of standard deviation {noise:G3}") : ""));
    }

    private static Rejection BadIndicator(string reason) => new(RejectionCode.BadUnclippedIndicator, reason);
}
