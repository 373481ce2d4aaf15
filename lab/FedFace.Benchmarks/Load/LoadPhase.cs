using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Simulation;
using FedFace.SyntheticSites;
using FedFace.Transport;
using Microsoft.Extensions.Logging;

namespace FedFace.Benchmarks.Load;

/// <summary>One phase of the load run: which sites, which limits, which attack, and how long it is watched.</summary>
/// <param name="AttackerEvery">every this many sites one attacks (0: none).</param>
/// <param name="SteadySeconds">the measured window after warm-up (all joined, first round finished); null: watch <paramref name="Rounds"/> rounds instead.</param>
public sealed record PhasePlan(string Name, int Sites, int SitesPerRound, int MinSites, int RoundDeadlineSeconds, double UploadChunkTimeoutSeconds,
    UploadAttack? Attack, int AttackerEvery, double? SteadySeconds, int Rounds);

/// <summary>
/// Runs one <see cref="PhasePlan"/>: a fresh aggregator in its own process (<see cref="LoadAggregatorProcess"/>), every site its own
/// certificate and connection (<see cref="SyntheticUpdateSite"/>, or an <see cref="UploadAttacker"/>), all started at once.
/// </summary>
public static class LoadPhase
{
    private static int Count(IReadOnlyDictionary<string, LatencySummary> timings, string name) => timings.GetValueOrDefault(name)?.Count ?? 0;

    private static int Settled(CallTimings timings)
    {
        IReadOnlyDictionary<string, LatencySummary> now = timings.Summaries();
        return Count(now, SyntheticUpdateSite.Joined) + Count(now, SyntheticUpdateSite.GaveUp);
    }

    public static async Task<PhaseFigures> RunAsync(BenchFederation federation, PhasePlan plan, int maxUploadsPerSite, ILoggerFactory quiet)
    {
        Console.WriteLine($"[{plan.Name}] {plan.Sites} sites ({(plan.Attack is null ? "all honest" : $"every {plan.AttackerEvery}th {plan.Attack}")}), "
            + $"{plan.SitesPerRound} sampled a round, quorum {plan.MinSites}, deadline {plan.RoundDeadlineSeconds} s, chunk timeout {plan.UploadChunkTimeoutSeconds} s");
        var settings = new LoadAggregatorSettings(federation.Pki.Directory, federation.ModelPath, federation.Folder($"state-{plan.Name}"), plan.MinSites,
            (double)plan.SitesPerRound / plan.Sites, plan.RoundDeadlineSeconds, plan.UploadChunkTimeoutSeconds);
        await using LoadAggregatorProcess aggregator = await LoadAggregatorProcess.StartAsync(settings);
        var timings = new CallTimings();
        var updates = new SyntheticUpdates(seed: 24);
        var honest = new List<SyntheticUpdateSite>();
        var attackers = new List<UploadAttacker>();
        var all = new List<SyntheticUpdateSite>();
        for (int i = 0; i < plan.Sites; i++)
        {
            string id = federation.SiteIds[i];
            var site = new SyntheticUpdateSite(new AggregatorEndpoint(aggregator.Uri.ToString(), federation.Pki.SiteCertificate(id), federation.Pki.SiteKey(id),
                federation.Pki.CaCertificate), quiet, updates, timings);
            all.Add(site);
            if (plan.Attack is { } attack && plan.AttackerEvery > 0 && i % plan.AttackerEvery == plan.AttackerEvery - 1)
            {
                attackers.Add(new UploadAttacker(site, attack, maxUploadsPerSite + 1, TimeSpan.FromSeconds(plan.UploadChunkTimeoutSeconds / 2)));
            }
            else
            {
                honest.Add(site);
            }
        }
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        Task<SiteTally>[] honestRuns = [.. honest.Select(s => Task.Run(() => s.RunAsync(stop.Token)))];
        Task[] attackRuns = [.. attackers.Select(a => Task.Run(() => a.RunAsync(stop.Token)))];
        try
        {
            // Warm-up: every site has joined (or given up) and the first round finished.
            TimeSpan patience = TimeSpan.FromSeconds(plan.RoundDeadlineSeconds + 600);
            while (Settled(timings) < plan.Sites)
            {
                if (clock.Elapsed > patience) throw new TimeoutException($"[{plan.Name}] {Settled(timings)} of {plan.Sites} sites joined or gave up within {patience.TotalSeconds} s");
                await Task.Delay(100);
            }
            IReadOnlyDictionary<string, LatencySummary> joining = timings.Summaries();
            var joined = new JoinFigures(plan.Sites, Count(joining, SyntheticUpdateSite.Joined), Count(joining, SyntheticUpdateSite.GaveUp),
                joining[nameof(SiteCall.Join)], joining.GetValueOrDefault(SyntheticUpdateSite.Joined) ?? LatencySummary.Of([], 0));
            double joinSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"[{plan.Name}] {joined.Joined} joined, {joined.GaveUp} gave up, in {joinSeconds:F1} s; attempts p50 {joined.Attempts.P50Ms} ms, "
                + $"p99 {joined.Attempts.P99Ms} ms, {joined.Attempts.Failures} failed and retried; time to join p50 {joined.TimeToJoin.P50Ms} ms, p99 {joined.TimeToJoin.P99Ms} ms");
            if (!await aggregator.WaitForRoundsAsync(1, patience, CancellationToken.None))
            {
                throw new TimeoutException($"[{plan.Name}] no round finished within {patience.TotalSeconds} s");
            }
            int warmUpRounds = aggregator.Rounds.Count;
            timings.Reset();
            await aggregator.ResetCallTimesAsync();
            long windowStartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            double windowStart = clock.Elapsed.TotalSeconds;
            if (plan.SteadySeconds is { } seconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds));
            }
            else if (!await aggregator.WaitForRoundsAsync(warmUpRounds + plan.Rounds, TimeSpan.FromSeconds(plan.Rounds * (plan.RoundDeadlineSeconds + 120)), CancellationToken.None))
            {
                Console.WriteLine($"[{plan.Name}] only {aggregator.Rounds.Count - warmUpRounds} of {plan.Rounds} rounds finished in time");
            }
            double window = clock.Elapsed.TotalSeconds - windowStart;
            IReadOnlyDictionary<string, LatencySummary> clientMs = timings.Summaries();
            long residentBeforeStop = ProcessMemory.ResidentKb(aggregator.ProcessId);
            await stop.CancelAsync();
            SiteTally[] tallies = await Task.WhenAll(honestRuns).WaitAsync(TimeSpan.FromMinutes(2));
            await Task.WhenAll(attackRuns).WaitAsync(TimeSpan.FromMinutes(2));
            ServerLine server = await aggregator.StopAsync();
            return PhaseFigures.Of(plan, attackers, joined, joinSeconds, aggregator.Rounds, windowStartMs, window, clientMs, server, aggregator, residentBeforeStop,
                tallies, maxUploadsPerSite + 1);
        }
        finally
        {
            await stop.CancelAsync();
            all.ForEach(s => s.Dispose());
        }
    }
}
