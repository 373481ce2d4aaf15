namespace FedFace.Core.Privacy;

/// <summary>
/// The bounds an honest site's update stays within in a DP round: the aggregator refuses an update beyond them
/// (FedFace.Protocol's DpUpdateRejection), and a secure round sizes its quantization to them.
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
    public const double NoiseTailDeviations = 8;

    /// <summary>The largest L2 norm an honest site's delta of <paramref name="parameterCount"/> values can have.</summary>
    public static double NormBound(DpSiteInstructions instructions, long parameterCount)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        return instructions.ClipNorm * (1 + RoundingSlack)
            + instructions.UpdateNoiseStandardDeviation * (Math.Sqrt(parameterCount) + NoiseTailDeviations);
    }
}
