namespace FedFace.Client;

/// <summary>How a site's part in one round ended, as the site saw it.</summary>
public enum SiteRoundOutcome
{
    /// <summary>Its update was accepted, or its masked input made it into the secure sum.</summary>
    Accepted,
    /// <summary>It sent its update and the aggregator turned it away (or the secure sum went on without it).</summary>
    NotAccepted,
    /// <summary>It refused the round (policy, model, data or plan) and said so.</summary>
    Declined,
    /// <summary>The deadline passed during local training: nothing was sent.</summary>
    TimedOut,
}
