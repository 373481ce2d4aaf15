namespace FedFace.Aggregator;

/// <summary>
/// The aggregator's important log events, each with a fixed event id that log searches and alerts can rely on
/// (docs/operations.md lists them; a test pins the table). Ids are never reused: a retired event keeps its number.
/// 1xxx: the process and its state; 2xxx: rounds; 3xxx: sites and their updates.
/// </summary>
public static partial class AggregatorLog
{
    /// <summary>The category of the host's own events (listening addresses).</summary>
    public const string HostCategory = "FedFace.Aggregator.Host";

    [LoggerMessage(EventId = 1001, EventName = "Listening", Level = LogLevel.Information, Message = "Listening on {Address} (mutual TLS)")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 1002, EventName = "ManagementListening", Level = LogLevel.Information,
        Message = "Management endpoints on {Address}: /healthz, /readyz, /metrics (plain HTTP, no client certificate)")]
    public static partial void ManagementListening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 1003, EventName = "StateResumed", Level = LogLevel.Information,
        Message = "Resumed from committed round {Round}: model v{Version} sha256 {Hash}")]
    public static partial void StateResumed(ILogger logger, long round, long version, string hash);

    [LoggerMessage(EventId = 1004, EventName = "FederationStarted", Level = LogLevel.Information,
        Message = "Started a new federation from {Path}: {Tensors} tensors, {Parameters:N0} parameters, sha256 {Hash}")]
    public static partial void FederationStarted(ILogger logger, string path, int tensors, long parameters, string hash);

    [LoggerMessage(EventId = 1005, EventName = "FederationFinished", Level = LogLevel.Information,
        Message = "Federation finished: model v{Version} after round {Round}: {Reason}")]
    public static partial void FederationFinished(ILogger logger, long version, long round, string reason);

    [LoggerMessage(EventId = 1006, EventName = "RoundLoopFailed", Level = LogLevel.Critical, Message = "The round loop failed: {Reason}")]
    public static partial void RoundLoopFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2001, EventName = "RoundOpened", Level = LogLevel.Information,
        Message = "Round {Round} open: model v{Version}, sampled {Sampled} of {Live} live sites ({Sites}; {Joined} joined), deadline {Deadline:O}{Privacy}{Secure}")]
    public static partial void RoundOpened(ILogger logger, long round, long version, int sampled, int live, string sites, int joined, DateTimeOffset deadline,
        string privacy, string secure);

    [LoggerMessage(EventId = 2002, EventName = "RoundNotOpened", Level = LogLevel.Warning, Message = "Round {Round} not opened: {Reason}")]
    public static partial void RoundNotOpened(ILogger logger, long round, string reason);

    [LoggerMessage(EventId = 2003, EventName = "RoundCommitted", Level = LogLevel.Information, Message = "Round {Round}: {Outcome}, sha256 {Hash}")]
    public static partial void RoundCommitted(ILogger logger, long round, string outcome, string? hash);

    [LoggerMessage(EventId = 2004, EventName = "RoundAborted", Level = LogLevel.Warning, Message = "Round {Round} {Outcome}")]
    public static partial void RoundAborted(ILogger logger, long round, string outcome);

    [LoggerMessage(EventId = 2005, EventName = "PrivacySpent", Level = LogLevel.Information,
        Message = "Round {Round}: privacy spent so far {Spent} of the budget ε = {Budget:G4}")]
    public static partial void PrivacySpent(ILogger logger, long round, FedFace.Core.Privacy.PrivacySpent spent, double budget);

    [LoggerMessage(EventId = 3001, EventName = "SiteJoined", Level = LogLevel.Information, Message = "Site {Site} joined ({Count} sites)")]
    public static partial void SiteJoined(ILogger logger, string site, int count);

    [LoggerMessage(EventId = 3002, EventName = "SiteLeftSample", Level = LogLevel.Warning,
        Message = "Site {Site} left the sample: not heard from for {Seconds:F0}s (Aggregator:SiteTimeoutSeconds is {Timeout:F0}); it rejoins with its next call")]
    public static partial void SiteLeftSample(ILogger logger, string site, double seconds, double timeout);

    [LoggerMessage(EventId = 3003, EventName = "SiteBack", Level = LogLevel.Information,
        Message = "Site {Site} is back after {Seconds:F0}s of silence: sampled again from the next round")]
    public static partial void SiteBack(ILogger logger, string site, double seconds);

    [LoggerMessage(EventId = 3004, EventName = "UpdateAccepted", Level = LogLevel.Information,
        Message = "Round {Round}: accepted update from {Site} ({Examples} examples, weight delta norm {Norm:G4}, {Accepted}/{Sampled})")]
    public static partial void UpdateAccepted(ILogger logger, long round, string site, long examples, double norm, int accepted, int sampled);

    [LoggerMessage(EventId = 3005, EventName = "UpdateRejected", Level = LogLevel.Warning,
        Message = "Rejected update from {Site} for round {Round}: {Code}: {Reason}")]
    public static partial void UpdateRejected(ILogger logger, string site, long round, FedFace.Protos.V1.RejectionCode code, string reason);

    [LoggerMessage(EventId = 3006, EventName = "RoundDeclined", Level = LogLevel.Warning, Message = "Round {Round}: site {Site} declined it: {Reason}")]
    public static partial void RoundDeclined(ILogger logger, long round, string site, string reason);
}
