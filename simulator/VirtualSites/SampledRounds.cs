using System.Runtime.CompilerServices;
using FedFace.Protos.Admin.V1;
using FedFace.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A round as the operator's status shows it open: its number and the sites sampled for it.</summary>
public sealed record OpenedRound(long Number, IReadOnlyList<string> SampledSiteIds, string FederationName, bool Secure);

/// <summary>
/// Learns who is sampled without any site polling: reads the aggregator's admin status with the operator certificate (the
/// per-site list left out) every <c>interval</c>, and yields each round once, when it opens, until the federation finishes.
/// A poll the aggregator cannot answer for the moment (a thousand secure-round sites connecting at once, a restart) is
/// retried with back-off, as a site retries: without it one refused handshake ended the whole simulation. An outage
/// longer than <paramref name="giveUpAfter"/> ends the run with an error saying so, rather than a run that never ends.
/// </summary>
/// <param name="giveUpAfter">How long the status may stay unreadable (<see cref="DefaultGiveUpAfter"/> when not given).</param>
public sealed class SampledRounds(AggregatorEndpoint operatorEndpoint, TimeSpan interval, ILogger logger, TimeSpan? giveUpAfter = null)
{
    /// <summary>As long as a virtual site's own calls ride out an outage.</summary>
    public static readonly TimeSpan DefaultGiveUpAfter = TimeSpan.FromMinutes(5);

    private readonly TimeSpan _giveUpAfter = giveUpAfter ?? DefaultGiveUpAfter;
    private readonly ResiliencePipeline _retry = TransientFaults.CreatePipeline(
        new RetrySettings(BaseDelayMilliseconds: 200, MaxDelayMilliseconds: 5_000, GiveUpAfter: giveUpAfter ?? DefaultGiveUpAfter), logger);

    /// <exception cref="InvalidOperationException">the status stayed unreadable for longer than the run allows.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> stopped the watch, during a poll or between polls.</exception>
    public async IAsyncEnumerable<OpenedRound> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var status = new OperatorConnection(operatorEndpoint);
        long last = 0;
        while (true)
        {
            FederationReport report = await ReadAsync(status, cancellationToken);
            RoundState round = report.Round;
            if (round.Stage == "finished")
            {
                yield break;
            }
            if (round.Number > last && round.SampledSiteIds.Count > 0)
            {
                last = round.Number;
                yield return new OpenedRound(round.Number, [.. round.SampledSiteIds], report.FederationName, round.Stage == "secure aggregation");
            }
            await Task.Delay(interval, cancellationToken);
        }
    }

    private async Task<FederationReport> ReadAsync(OperatorConnection status, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct => await status.Admin.GetStatusAsync(new StatusRequest { OmitSites = true }, cancellationToken: ct), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // Stopped during a poll rather than between polls: the caller is told the same thing either way.
            throw new OperationCanceledException("the status poll was stopped", e, cancellationToken);
        }
        catch (RpcException e) when (TransientFaults.IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the aggregator at {operatorEndpoint.Url} did not answer the status poll for {_giveUpAfter.TotalSeconds:F0}s "
                + $"({e.StatusCode}: {e.Status.Detail}); the simulation stops", e);
        }
    }
}
