using FedFace.Client;
using FedFace.Learning.Training;
using FedFace.Transport;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// A registered simulated site as a cheap record: its identity (certificate files), which faces are its own, its seed, and
/// what it keeps between the rounds it is sampled in (its private head, its BatchNorm under FedBN, its model-version floor).
/// No network and no connection: a worker lends it those while it runs a round.
/// </summary>
public sealed class VirtualSite(int index, string id, AggregatorEndpoint endpoint, int seed)
{
    /// <summary>Its place among the registered sites (0-based): its faces, and which worker process hosts it.</summary>
    public int Index { get; } = index;

    public string Id { get; } = id;

    public AggregatorEndpoint Endpoint { get; } = endpoint;

    public int Seed { get; } = seed;

    /// <summary>Its head (and FedBN BatchNorm) as its last round left them; null before its first.</summary>
    public SiteModelState? Model { get; set; }

    /// <summary>The newest model version it accepted: an aggregator cannot roll it back between its rounds.</summary>
    public ModelVersionFloor Floor { get; } = ModelVersionFloor.Open("");

    public int RoundsAccepted { get; private set; }

    public int RoundsNotAccepted { get; private set; }

    public int RoundsDeclined { get; private set; }

    public void Count(SiteRoundOutcome outcome)
    {
        switch (outcome)
        {
            case SiteRoundOutcome.Accepted: RoundsAccepted++; break;
            case SiteRoundOutcome.Declined: RoundsDeclined++; break;
            default: RoundsNotAccepted++; break;
        }
    }
}
