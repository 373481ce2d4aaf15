using System.Diagnostics;
using FedFace.Client;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// Runs many registered virtual sites against one aggregator: it watches which sites each round samples
/// (<see cref="SampledRounds"/>) and runs just those. A sampled site opens its own mutual-TLS connection with its own
/// certificate, takes the round's task and goes through the real round (<see cref="SiteRound"/>: download and verify,
/// local work, metrics, upload or the SecAgg+ stages), and the connection is closed after. Training borrows one of the
/// <see cref="NetworkPool"/>'s networks, so a round holds at most that many networks however many sites it samples.
/// </summary>
public sealed class VirtualSiteEngine(
    IReadOnlyList<VirtualSite> sites,
    SampledRounds rounds,
    Func<VirtualSite, ILocalWork> workFor,
    EngineSettings settings,
    ILoggerFactory loggers,
    SiteRoundHooks? hooks = null,
    SiteFaults? faults = null,
    SiteVanishing? vanishing = null,
    IEngineProgress? progress = null)
{
    private static readonly SiteProtectionPolicy s_noPolicy = new(RequireDifferentialPrivacy: false, MinimumAggregationMode: AggregationMode.Plain);
    private static readonly TimeSpan s_waitForTask = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, VirtualSite> _hosted = sites.ToDictionary(s => s.Id, StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<VirtualSiteEngine>();
    // A secure round starts every sampled site at once, and a thousand TLS handshakes at one instant time out on a few
    // cores (then back off and retry): sites open their connections a few at a time; their calls after that run freely.
    private readonly SemaphoreSlim _opening = new(8 * Environment.ProcessorCount);
    // One copy of each global model for all the sites, and downloads and masking a few sites at a time (a masking already
    // spreads its mask expansion over the cores).
    private readonly SitesInProcess _sitesInProcess = new(turns: 2 * Environment.ProcessorCount);

    /// <summary>Until the federation finishes: every round's sampled sites hosted here run it; then waits for the last of them.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var plainRounds = new SemaphoreSlim(settings.ConcurrentSiteCount);
        using var sitesStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task>();
        try
        {
            await foreach (OpenedRound round in rounds.WatchAsync(cancellationToken))
            {
                VirtualSite[] here = round.SampledSiteIds.Where(_hosted.ContainsKey).Select(id => _hosted[id]).ToArray();
                progress?.RoundOpened(round.Number, here.Length);
                running.RemoveAll(task => task.IsCompleted);
                // SecAgg+ needs every sampled site in its stages at once; a plain round's sites take turns at the gate.
                running.AddRange(here.Select(site => RunSiteAsync(site, round, round.Secure ? null : plainRounds, sitesStop.Token)));
            }
        }
        catch
        {
            // The run ends early (stopped, or the status unreadable): its sites stop too, and are waited for, so that
            // none is still training on a network the pool frees once this returns.
            await sitesStop.CancelAsync();
            await StoppedAsync(running);
            throw;
        }
        await Task.WhenAll(running);
    }

    private static async Task StoppedAsync(IEnumerable<Task> sites)
    {
        try
        {
            await Task.WhenAll(sites);
        }
        catch (Exception)
        {
            // a stopped site ends in its cancellation, or in whatever its call was doing when the stop came: the run's
            // own reason for ending is what the caller is told
        }
    }

    private async Task RunSiteAsync(VirtualSite site, OpenedRound round, SemaphoreSlim? gate, CancellationToken cancellationToken)
    {
        if (faults?.IsDown(site.Id, round.Number) == true || vanishing?.HasVanished(site.Id) == true)
        {
            progress?.SiteFinished(round.Number, site.Id, null, 0, 0);
            return; // down: it does not answer, and the round waits for it until its deadline
        }
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }
        long start = Stopwatch.GetTimestamp();
        var work = new TimedWork(workFor(site));
        SiteRoundOutcome? outcome = null;
        CancellationToken siteToken = vanishing?.TokenFor(site.Id, cancellationToken) ?? cancellationToken;
        try
        {
            outcome = await TakePartAsync(site, round, work, siteToken);
        }
        catch (InjectedFaultException)
        {
            // gone, as injected: its connection is closed below without a word to the aggregator
        }
        catch (Exception e) when (vanishing?.HasVanished(site.Id) == true && !cancellationToken.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // vanished before a secure stage, as injected
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // One site's fault is its round's no-answer, said now: left in its task it went unobserved (and, still
            // pending at the run's end, would fail a run whose rounds had gone on without it).
            _logger.LogError("{Site}: round {Round} failed and gets no answer from it: {Reason}", site.Id, round.Number,
                FedFace.Aggregator.AggregatorProgram.OneLine(e));
        }
        finally
        {
            gate?.Release();
        }
        if (outcome is { } ended)
        {
            site.Count(ended);
        }
        progress?.SiteFinished(round.Number, site.Id, outcome, Stopwatch.GetElapsedTime(start).TotalSeconds, work.Seconds);
    }

    /// <summary>The site's part in the round over a connection of its own, closed when it ends; null when the round was gone before it asked.</summary>
    private async Task<SiteRoundOutcome?> TakePartAsync(VirtualSite site, OpenedRound round, ILocalWork work, CancellationToken cancellationToken)
    {
        using var connection = new AggregatorConnection(site.Endpoint, loggers);
        ILogger logger = loggers.CreateLogger($"FedFace.Site.{site.Id}");
        Polly.ResiliencePipeline retry = TransientFaults.CreatePipeline(new RetrySettings(GiveUpAfter: TimeSpan.FromMinutes(5)), logger);
        TaskReply first;
        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (faults?.TakeRejoin(site.Id) == true)
            {
                await retry.ExecuteAsync(async ct => await connection.Client.JoinAsync(
                    new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "fedface-virtual-site/1" }, cancellationToken: ct), cancellationToken);
            }
            first = await AskForTaskAsync(connection, retry, cancellationToken);
        }
        finally
        {
            _opening.Release();
        }
        if (await TaskOfAsync(connection, round.Number, first, retry, cancellationToken) is not { } task)
        {
            _logger.LogInformation("{Site}: round {Round} closed before it asked for its task", site.Id, round.Number);
            return null;
        }
        var siteRound = new SiteRound(connection, retry, logger, s_noPolicy, site.Floor, maxModelBytes: 1L << 30,
            hooks is null ? new SiteRoundHooks(Steps: faults) : hooks with { Steps = faults }, _sitesInProcess);
        return await siteRound.RunAsync(task, connection.ModelVerifier(round.FederationName), work, cancellationToken);
    }

    /// <summary>
    /// The round's task, as the aggregator gives it to this site (<paramref name="reply"/> is its first answer); null when
    /// the aggregator has moved past that round.
    /// </summary>
    private static async Task<RoundTask?> TaskOfAsync(AggregatorConnection connection, long round, TaskReply reply, Polly.ResiliencePipeline retry,
        CancellationToken cancellationToken)
    {
        for (; ; reply = await AskForTaskAsync(connection, retry, cancellationToken))
        {
            switch (reply.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Task when reply.Task.Round == round:
                    return reply.Task;
                case TaskReply.OutcomeOneofCase.Task:
                case TaskReply.OutcomeOneofCase.Finished:
                    return null;
                default:
                    await Task.Delay(s_waitForTask, cancellationToken); // the round is open; the site's turn may not be served yet
                    break;
            }
        }
    }

    private static async Task<TaskReply> AskForTaskAsync(AggregatorConnection connection, Polly.ResiliencePipeline retry, CancellationToken cancellationToken) =>
        await retry.ExecuteAsync(async ct => await connection.Client.GetTaskAsync(new TaskRequest { ProtocolVersion = WireProtocol.Version }, cancellationToken: ct),
            cancellationToken);

    /// <summary>Times the local work: the training's own seconds when it trained, else the wall time of drawing the delta.</summary>
    private sealed class TimedWork(ILocalWork inner) : ILocalWork
    {
        public double Seconds { get; private set; }

        public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

        public async Task<LocalUpdate> ComputeAsync(FedFace.Core.ModelState global, RoundTask task, CancellationToken cancellationToken)
        {
            long start = Stopwatch.GetTimestamp();
            LocalUpdate update = await inner.ComputeAsync(global, task, cancellationToken);
            Seconds = update.Report.Seconds > 0 ? update.Report.Seconds : Stopwatch.GetElapsedTime(start).TotalSeconds;
            return update;
        }
    }
}
