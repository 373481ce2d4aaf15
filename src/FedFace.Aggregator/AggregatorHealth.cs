using FedFace.Aggregator.Rounds;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// ASP.NET Core health checks are the source of truth; the standard gRPC health service (service name "") reports
/// SERVING while every check is healthy and NOT_SERVING otherwise, so a finished or failed federation reads NOT_SERVING.
/// </summary>
public static class AggregatorHealth
{
    public static IServiceCollection AddAggregatorHealth(this IServiceCollection services)
    {
        services.AddGrpcHealthChecks()
            .AddCheck<ModelLoadedCheck>("model loaded")
            .AddCheck<StateDirectoryWritableCheck>("state directory writable")
            .AddCheck<RoundLoopAliveCheck>("round loop alive");
        return services;
    }
}

/// <summary>The committed state (or the version-0 model) was read: resolving the current model loads it.</summary>
public sealed class ModelLoadedCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        CurrentModel model = services.GetRequiredService<CurrentModel>();
        return Task.FromResult(HealthCheckResult.Healthy($"model v{model.ModelVersion} (round {model.CommittedRound})"));
    }
}

/// <summary>A commit needs to write the state directory (creating it if need be): a file is created and removed there.</summary>
public sealed class StateDirectoryWritableCheck(IOptions<AggregatorOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string directory = Path.GetFullPath(options.Value.StateDirectory);
        string probe = Path.Combine(directory, $".health-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(directory);
            await File.WriteAllBytesAsync(probe, [], cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"cannot write the state directory {directory}: {e.Message}");
        }
    }
}

/// <summary>
/// The round loop runs and makes progress: not failed, not finished (all rounds or the privacy budget), and no round
/// open for longer than <see cref="StalledAfterDeadlines"/> times the round deadline. Waiting for sites is not a stall.
/// </summary>
public sealed class RoundLoopAliveCheck(IEnumerable<IHostedService> hosted, FederationStatus status, CurrentRound current,
    IOptions<AggregatorOptions> options) : IHealthCheck
{
    public const int StalledAfterDeadlines = 3;

    private readonly RoundLoop _loop = hosted.OfType<RoundLoop>().Single();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (_loop.ExecuteTask is not { } task)
        {
            return HealthCheckResult.Unhealthy("the round loop has not started");
        }
        if (task.IsFaulted)
        {
            return HealthCheckResult.Unhealthy($"the round loop failed: {AggregatorProgram.OneLine(task.Exception!)}");
        }
        if (task.IsCompleted)
        {
            return HealthCheckResult.Unhealthy(status.Finished ? $"the federation finished: {status.FinishReason}" : "the round loop stopped");
        }
        TimeSpan limit = TimeSpan.FromSeconds(StalledAfterDeadlines * options.Value.RoundDeadlineSeconds);
        if (current.Round is { Closed: false } open && open.Elapsed > limit)
        {
            return HealthCheckResult.Unhealthy(
                $"round {open.Number} has been open {open.Elapsed.TotalSeconds:F0}s, over {StalledAfterDeadlines}x its {options.Value.RoundDeadlineSeconds}s deadline");
        }
        return HealthCheckResult.Healthy(current.Round is { Closed: false } running ? $"round {running.Number} open" : "waiting for sites or between rounds");
    }
}
