namespace FedFace.Transport;

/// <summary>Where the aggregator is and the credentials a site shows it.</summary>
public sealed record AggregatorEndpoint(string Url, string CertificatePath, string KeyPath, string CaCertificatePath);

/// <summary>
/// Back-off for transient faults: jittered exponential from BaseDelay, capped at MaxDelay, retried for as long as the
/// outage lasts, or until it has lasted <paramref name="GiveUpAfter"/> when that is set.
/// </summary>
public sealed record RetrySettings(int BaseDelayMilliseconds = 500, int MaxDelayMilliseconds = 60_000, TimeSpan? GiveUpAfter = null);
