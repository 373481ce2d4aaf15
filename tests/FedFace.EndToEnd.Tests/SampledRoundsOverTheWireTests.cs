using FedFace.Aggregator.Tests.Kit;
using FedFace.Simulator.VirtualSites;
using FedFace.Transport;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// The engine's status poll (<see cref="SampledRounds"/>) against a real aggregator over mutual TLS with the operator
/// certificate: it rides out the aggregator restarting on the same port and goes on to the next round, and a status that
/// stays unreadable ends the run with a one-line error once the outage outlasts its limit, rather than never ending.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class SampledRoundsOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    private const string Category = "FedFace.Simulator.VirtualSites.SampledRounds";

    [Fact]
    public async Task The_status_poll_rides_out_the_aggregator_restarting_on_the_same_port_and_yields_the_round_it_opens_next()
    {
        var log = new CapturedLog(output);
        int port = Loopback.FreePort();
        string workspace = federation.Workspace("status-restart");
        var setup = new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 71)))
        {
            Port = port, TotalRounds = 3, PreJoinedSites = ["site-01", "site-02"],
        };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using IAsyncEnumerator<OpenedRound> rounds = WatchAsync(port, giveUpAfter: null, log, stop.Token);
        using var first = new SyntheticSite("site-01", federation.Pki, new Uri($"https://127.0.0.1:{port}/"), log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, new Uri($"https://127.0.0.1:{port}/"), log.Factory(), exampleCount: 10);

        await using (RunningAggregator before = await RunningAggregator.StartAsync(setup, log))
        {
            Assert.True(await rounds.MoveNextAsync().AsTask().WaitAsync(Eventually.Patience));
            Assert.Equal(1, rounds.Current.Number);
            // The poll rests between rounds it yields: round 1 commits, and the aggregator stops before it looks again.
            await CommittedRounds.RunAsync(before, 1, first, second);
        }
        Task<bool> next = rounds.MoveNextAsync().AsTask();
        await Eventually.TrueAsync(() => log.Matching("Aggregator unreachable (", Category).Count > 0, Eventually.Patience, () => log.Dump());
        Assert.False(next.IsCompleted);
        await using RunningAggregator after = await RunningAggregator.StartAsync(setup, log); // the same port and state: round 1 stays committed

        Assert.True(await next.WaitAsync(Eventually.Patience));
        Assert.Equal(2, rounds.Current.Number);
        Assert.Equal(["site-01", "site-02"], rounds.Current.SampledSiteIds.Order());
        Assert.Single(log.Matching("Aggregator unreachable (", Category));
        Assert.Single(log.Matching("Aggregator reachable again after an outage of ", Category));
    }

    [Fact]
    public async Task A_status_that_stays_unreadable_past_the_limit_ends_the_run_with_a_one_line_error_naming_the_outage()
    {
        int port = Loopback.FreePort(); // nobody listens there
        await using IAsyncEnumerator<OpenedRound> rounds = WatchAsync(port, TimeSpan.FromSeconds(2), new CapturedLog(output), CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => rounds.MoveNextAsync().AsTask().WaitAsync(Eventually.Patience));

        Assert.StartsWith($"the aggregator at https://127.0.0.1:{port}/ did not answer the status poll for 2s (Unavailable: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("); the simulation stops", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>
    /// Regression: a stop that came while a poll was waiting for its answer surfaced as the call's own
    /// <c>RpcException(Cancelled)</c>, which the simulator does not take for a stop (a stack trace, not "cancelled"), and
    /// which failed the engine's straggler test whenever its stop landed mid-poll.
    /// </summary>
    [Fact]
    public async Task A_stop_while_a_status_poll_awaits_its_answer_ends_the_watch_as_cancelled()
    {
        // An aggregator that accepts the connection and never answers: the poll stays in its call until the stop.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        Task<System.Net.Sockets.Socket> accepted = silent.AcceptSocketAsync();
        using var stop = new CancellationTokenSource();
        await using IAsyncEnumerator<OpenedRound> rounds = WatchAsync(port, giveUpAfter: null, new CapturedLog(output), stop.Token);

        Task<bool> next = rounds.MoveNextAsync().AsTask();
        using System.Net.Sockets.Socket connection = await accepted.WaitAsync(Eventually.Patience);
        stop.Cancel();

        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(Eventually.Patience));
        Assert.Equal(stop.Token, cancelled.CancellationToken);
    }

    private IAsyncEnumerator<OpenedRound> WatchAsync(int port, TimeSpan? giveUpAfter, CapturedLog log, CancellationToken cancellationToken)
    {
        var endpoint = new AggregatorEndpoint($"https://127.0.0.1:{port}/", federation.Pki.OperatorCertificate, federation.Pki.OperatorKey, federation.Pki.CaCertificate);
        ILogger logger = log.Factory().CreateLogger<SampledRounds>();
        return new SampledRounds(endpoint, TimeSpan.FromMilliseconds(50), logger, giveUpAfter).WatchAsync(cancellationToken).GetAsyncEnumerator();
    }
}
