using System.Diagnostics;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// A site's retry pipeline against a real address with nobody listening (then the real aggregator coming up there): it
/// keeps trying through an outage, however many retries that takes, logs the outage once when it starts and once when
/// it ends, and gives up only when told to (<see cref="RetrySettings.GiveUpAfter"/>), handing the fault to its caller.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class TransientFaultsOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    /// <summary>Short back-off, so the test sees many retries in little time.</summary>
    private static readonly RetrySettings s_quickRetries = new(BaseDelayMilliseconds: 20, MaxDelayMilliseconds: 100);

    /// <summary>What the site used to allow before giving up for good.</summary>
    private const int OldRetryLimit = 8;

    [Fact]
    public async Task A_site_rides_out_an_outage_of_many_retries_and_logs_it_once_when_it_starts_and_once_when_it_ends()
    {
        var log = new CapturedLog(output);
        int port = Loopback.FreePort();
        using var site = new SyntheticSite("site-01", federation.Pki, new Uri($"https://127.0.0.1:{port}/"), log.Factory(), exampleCount: 10, s_quickRetries);

        Task joined = site.JoinAsync();
        await Eventually.TrueAsync(() => Retries(log) > 3 * OldRetryLimit, Eventually.Patience, () => log.Dump());
        string workspace = federation.Workspace("outage");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 61)))
            {
                Port = port,
            }, log);
        await joined.WaitAsync(Eventually.Patience);

        LogEntry started = Assert.Single(log.Matching("Aggregator unreachable (", "FedFace.Site.site-01"));
        Assert.Equal(LogLevel.Warning, started.Level);
        Assert.Contains("Unavailable", started.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', started.Message);
        LogEntry ended = Assert.Single(log.Matching("Aggregator reachable again after an outage of ", "FedFace.Site.site-01"));
        Assert.Equal(LogLevel.Information, ended.Level);
    }

    [Fact]
    public async Task A_site_told_to_give_up_after_a_time_retries_until_then_and_hands_the_fault_to_its_caller()
    {
        var log = new CapturedLog(output);
        using var site = new SyntheticSite("site-01", federation.Pki, new Uri($"https://127.0.0.1:{Loopback.FreePort()}/"), log.Factory(), exampleCount: 10,
            s_quickRetries with { GiveUpAfter = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();

        RpcException fault = await Assert.ThrowsAsync<RpcException>(() => site.JoinAsync().WaitAsync(Eventually.Patience));

        Assert.Equal(StatusCode.Unavailable, fault.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), Eventually.Patience);
        Assert.True(Retries(log) > OldRetryLimit, $"only {Retries(log)} retries");
        Assert.Single(log.Matching("Aggregator unreachable (", "FedFace.Site.site-01"));
    }

    private static int Retries(CapturedLog log) => log.Matching("Retry ", "FedFace.Site.site-01").Count;
}
