using FedFace.Aggregator.Rounds;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Collection;

/// <summary>Whether an upload's header fits the round it names, asked once per upload before its data is read.</summary>
public static class UploadRoundCheck
{
    /// <summary>Null when <paramref name="round"/> (the current one, if any) takes this site's update; call under its gate.</summary>
    public static Rejection? Check(OpenRound? round, string siteId, UpdateHeader header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.ProtocolVersion != WireProtocol.Version)
        {
            return new Rejection(RejectionCode.UnsupportedProtocol,
                $"protocol version {header.ProtocolVersion} is not supported (this aggregator speaks {WireProtocol.Version})");
        }
        if (round is null)
        {
            return new Rejection(RejectionCode.NoRoundOpen, $"no round is open (update was for round {header.Round})");
        }
        if (header.Round != round.Number)
        {
            return new Rejection(RejectionCode.WrongRound, $"update is for round {header.Round}, the open round is {round.Number}");
        }
        if (round.Secure is not null)
        {
            return new Rejection(RejectionCode.SecureAggregationRequired,
                $"round {round.Number} is securely aggregated: a site sends its masked input through SecAggStages, never a plain update");
        }
        if (round.Ended(now) is { } ended)
        {
            return ended;
        }
        if (header.BaseModelVersion != round.BaseVersion)
        {
            return new Rejection(RejectionCode.WrongModelVersion, $"update was trained from model v{header.BaseModelVersion}, round {round.Number} trains v{round.BaseVersion}");
        }
        if (!round.IsSampled(siteId))
        {
            return new Rejection(RejectionCode.NotSampled, $"site {siteId} is not sampled for round {round.Number}");
        }
        return round.AlreadyDelivered(siteId);
    }
}
