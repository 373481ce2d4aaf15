using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Transport;

/// <summary>A site's update as it goes on the wire: the header and the delta after the round's protection.</summary>
/// <param name="Clipping">What clipping did, for the site's own log (the norm before clipping must not leave the site); null without DP.</param>
public sealed record ProtectedUpdate(UpdateHeader Header, ModelState Delta, ClippingOutcome? Clipping)
{
    /// <summary>
    /// The site's last step before upload, as the round task asks: with differential privacy the delta is clipped, gets
    /// the site's noise share (distributed mode; in a secure round the share is added later, in integers, after quantization)
    /// and, with adaptive clipping, its unclipped bit travels in the header.
    /// The delta passed in is not changed.
    /// </summary>
    public static ProtectedUpdate For(RoundTask task, ModelState delta, long exampleCount)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(delta);
        DpSiteInstructions? instructions = PrivacyWire.SiteInstructionsOf(task);
        if (instructions is null)
        {
            return new ProtectedUpdate(ModelTransfer.HeaderFor(task, delta, exampleCount), delta, null);
        }
        // A secure round's noise share is added after quantization, in integers (SecAggParticipant, DiscreteGaussianEncoder).
        DpSiteContribution contribution = DpSiteStep.Protect(delta, instructions, noiseAfterQuantization: task.SecureAggregation is not null);
        UpdateHeader header = ModelTransfer.HeaderFor(task, contribution.Delta, exampleCount);
        if (instructions.ReportsUnclippedIndicator)
        {
            header.UnclippedIndicator = contribution.UnclippedIndicator;
        }
        return new ProtectedUpdate(header, contribution.Delta, contribution.Clipping);
    }
}
