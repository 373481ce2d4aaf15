using FedFace.Aggregator.Rounds;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Collection;

/// <summary>An upload whose header the round took: its data may now be read, until the round closes.</summary>
public sealed record AdmittedUpload(string SiteId, UpdateHeader Header, OpenRound Round)
{
    /// <summary>Cancelled when the round closes: the upload's stream is cut then.</summary>
    public CancellationToken Window => Round.Closing.Token;
}
