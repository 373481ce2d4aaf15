namespace FedFace.Transport;

/// <summary>Where the aggregator is and the credentials a site shows it.</summary>
public sealed record AggregatorEndpoint(string Url, string CertificatePath, string KeyPath, string CaCertificatePath);

/// <summary>Back-off for transient faults: jittered exponential from BaseDelay, capped at MaxDelay.</summary>
public sealed record RetrySettings(int MaxAttempts = 8, int BaseDelayMilliseconds = 500, int MaxDelayMilliseconds = 10_000);
