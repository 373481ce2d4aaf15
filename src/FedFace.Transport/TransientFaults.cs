using System.Security.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FedFace.Transport;

/// <summary>
/// One Polly pipeline, built once, for every call to the aggregator: jittered exponential back-off, capped, on
/// faults that pass by themselves (aggregator restarting, network blips), for as long as the outage lasts unless
/// <see cref="RetrySettings.GiveUpAfter"/> says otherwise. A refused certificate or a rejected update is not such a
/// fault and is never retried. The outage, not each retry, is what gets logged (<see cref="Outage"/>).
/// </summary>
public static class TransientFaults
{
    public static ResiliencePipeline CreatePipeline(RetrySettings settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var outage = new Outage(logger);
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = attempt => ValueTask.FromResult(ShouldRetry(attempt.Outcome.Exception, outage, settings.GiveUpAfter)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(settings.BaseDelayMilliseconds),
                MaxDelay = TimeSpan.FromMilliseconds(settings.MaxDelayMilliseconds),
                OnRetry = retry =>
                {
                    logger.LogDebug("Retry {Attempt} in {Delay:F1}s", retry.AttemptNumber + 1, retry.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Polly asks after every attempt, successful or not: that is also how the outage learns it is over.</summary>
    private static bool ShouldRetry(Exception? fault, Outage outage, TimeSpan? giveUpAfter)
    {
        if (fault is null)
        {
            outage.Answered();
            return false;
        }
        if (!IsTransient(fault))
        {
            return false;
        }
        outage.Failed(fault);
        return giveUpAfter is not { } limit || outage.Length < limit;
    }

    public static bool IsTransient(Exception exception)
    {
        if (FaultText.Causes(exception).Any(e => e is AuthenticationException))
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
}
