using FedFace.Core.Aggregation;
using FedFace.Protos.V1;

namespace FedFace.Core.Privacy;

/// <summary>
/// The aggregator's DP checks of an update before folding it. The noise is calibrated to the sensitivity C, which holds
/// only if no site moves the sum by more than C: an update over the clip is refused, never clipped again (its site does
/// not follow the protocol). The adaptive-clipping bit must be what the round asked for.
/// </summary>
/// <remarks>
/// In distributed mode a site's delta carries its noise share, so its norm may exceed C by what that noise explains; the
/// check then stops only gross violations (proving a noised delta was clipped needs zero-knowledge proofs).
/// </remarks>
public static class DpUpdateCheck
{
    /// <summary>Relative slack on C for float rounding; clipping scales by (1 − 10⁻⁶), so an honest delta stays well inside.</summary>
    private const double RoundingSlack = 1e-5;

    /// <summary>t in P(‖N(0, σ²I_d)‖ > σ(√d + t)) ≤ exp(−t²/2): 8 gives e⁻³², an honest site is never refused.</summary>
    internal const double NoiseTailDeviations = 8;

    public static Rejection? Check(ModelState delta, float? unclippedIndicator, DpSiteInstructions instructions)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(instructions);
        double bound = NormBound(instructions, delta.ParameterCount);
        double norm = DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));
        if (!(norm <= bound))
        {
            string allowance = instructions.UpdateNoiseStandardDeviation > 0 ? $" plus what the site's noise share explains ({bound:G6} in all)" : "";
            return new Rejection(RejectionCode.NormExceedsClip,
                FormattableString.Invariant($"the delta's L2 norm {norm:G6} exceeds the round's clip norm {instructions.ClipNorm:G6}{allowance}"));
        }
        return CheckIndicator(unclippedIndicator, instructions);
    }

    /// <summary>The largest L2 norm an honest site's delta of <paramref name="parameterCount"/> values can have.</summary>
    public static double NormBound(DpSiteInstructions instructions, long parameterCount)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        return instructions.ClipNorm * (1 + RoundingSlack)
            + instructions.UpdateNoiseStandardDeviation * (Math.Sqrt(parameterCount) + NoiseTailDeviations);
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
            : float.IsFinite(value) && Math.Abs(value) <= 0.5 + NoiseTailDeviations * noise;
        return possible
            ? null
            : BadIndicator(FormattableString.Invariant($"the unclipped indicator {value:G6} is not b − ½ for a bit b")
                + (noise > 0 ? FormattableString.Invariant($" plus noise of standard deviation {noise:G3}") : ""));
    }

    private static Rejection BadIndicator(string reason) => new(RejectionCode.BadUnclippedIndicator, reason);
}
