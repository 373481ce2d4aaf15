using System.Security.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FedFace.Transport;

/// <summary>
/// One Polly pipeline, built once, for every call to the aggregator: jittered exponential back-off on
/// faults that pass by themselves (aggregator restarting, network blips). A refused certificate or a
/// rejected update is not such a fault and is never retried.
/// </summary>
public static class TransientFaults
{
    public static ResiliencePipeline CreatePipeline(RetrySettings settings, ILogger logger) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = settings.MaxAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(settings.BaseDelayMilliseconds),
                MaxDelay = TimeSpan.FromMilliseconds(settings.MaxDelayMilliseconds),
                OnRetry = retry =>
                {
                    logger.LogWarning("Aggregator unreachable ({Fault}); retry {Attempt} in {Delay:F1}s",
                        retry.Outcome.Exception?.Message, retry.AttemptNumber + 1, retry.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    public static bool IsTransient(Exception exception)
    {
        if (Causes(exception).Any(e => e is AuthenticationException))
        {
            return false; // a TLS refusal will not pass by itself
        }
        return exception switch
        {
            RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted
                || (rpc.StatusCode == StatusCode.Internal && rpc.InnerException is IOException or HttpRequestException),
            HttpRequestException or IOException => true,
            _ => false,
        };
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
