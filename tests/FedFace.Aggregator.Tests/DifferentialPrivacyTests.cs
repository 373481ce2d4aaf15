using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// DP-FedAvg over the wire: the round task carries the clip, sites clip (and, distributed, noise) what they send, the
/// aggregator refuses updates over the clip, commits the noised unweighted sum over the sites sampled, accounts ε,
/// checkpoints the accountant and stops before a round the budget cannot afford.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class DifferentialPrivacyTests(TestFederation federation, ITestOutputHelper output)
{
    private const double Delta = 1e-5;

    [Fact]
    public async Task A_central_DP_round_rejects_an_update_over_the_clip_and_commits_the_noised_unweighted_sum_over_the_sampled_sites_and_reports_epsilon()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("central-dp");
        ModelState initial = TestModels.Small(seed: 31);
        // Every synthetic delta (norm ≈ 0.54) is clipped to 0.3. The noise is small so that the mean's denominator
        // and the weighting show: dividing by the 3 survivors, or weighting by examples, would move the model far more.
        var privacy = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.01, ClipNorm = 0.3, EpsilonBudget = 1e9, Delta = Delta };
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 3,
                TotalRounds = 1,
                RoundDeadlineSeconds = 60, // the round closes as soon as the four sampled sites have answered
                PreJoinedSites = TestFederation.SiteIds,
                DifferentialPrivacy = privacy,
            }, log);
        long[] exampleCounts = [10, 50, 200, 40];
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Select((id, i) => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), exampleCounts[i]))];
        try
        {
            SyntheticSite rogue = sites[3];
            RoundTask task = await rogue.NextTaskAsync().WaitAsync(Eventually.Patience);
            Assert.Equal((DpMode.Central, 0.3, 0.0, false), (task.Privacy.Mode, task.Privacy.ClipNorm, task.Privacy.UpdateNoiseStddev, task.Privacy.ReportUnclippedIndicator));
            Assert.Equal(AggregationMode.Plain, task.Aggregation);
            ModelState unclipped = rogue.DeltaFor(task.Round, await rogue.DownloadForAsync(task));
            double norm = L2Norm(unclipped);

            UploadReply refused = await rogue.UploadAsync(rogue.HeaderFor(task, unclipped), unclipped).WaitAsync(Eventually.Patience);

            Assert.False(refused.Accepted);
            Assert.Equal(RejectionCode.NormExceedsClip, refused.Rejection);
            Assert.Equal(FormattableString.Invariant($"the delta's L2 norm {norm:G6} exceeds the round's clip norm 0.3"), refused.Reason);
            await log.WaitForAsync($"Rejected update from site-04 for round 1: NormExceedsClip: {refused.Reason}", Eventually.Patience, "FedFace.Aggregator");

            (RoundTask, UploadReply Reply)[] honest = await Task.WhenAll(sites[..3].Select(s => s.TakePartAsync())).WaitAsync(Eventually.Patience);
            Assert.All(honest, h => Assert.True(h.Reply.Accepted, $"{h.Reply.Rejection}: {h.Reply.Reason}"));
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);

            Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
            Assert.Equal(["site-01", "site-02", "site-03"], finished.Summary.AcceptedSites);
            Assert.Equal(10 + 50 + 200, finished.Summary.TotalExamples);
            ModelState[] sent = [.. sites[..3].SelectMany(s => s.Sent).Select(u => u.Delta)];
            Assert.All(sent, delta => Assert.True(L2Norm(delta) <= 0.3, $"a site sent a delta of norm {L2Norm(delta)}"));
            TestModels.AssertPreviousPlusNoisedSumOverSampled(initial, sent, sampledSites: 4, noiseStandardDeviation: 0.01 * 0.3, finished.GlobalModel);

            var accountant = new RdpAccountant();
            accountant.Compose(samplingRate: 1.0, noiseMultiplier: 0.01);
            Assert.Equal(accountant.Spent(Delta), finished.Summary.Privacy);
            await log.WaitForAsync($"Round 1: privacy spent so far {accountant.Spent(Delta)}", Eventually.Patience, "FedFace.Aggregator");
        }
        finally
        {
            foreach (SyntheticSite site in sites)
            {
                site.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_accountant_and_the_adaptive_clip_survive_an_aggregator_restart_so_epsilon_continues_instead_of_starting_again()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("dp-restart");
        string stateDirectory = Path.Combine(workspace, "state");
        // Distributed: the sites add the noise, each its share, and send their noised unclipped bits.
        var privacy = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1.0, ClipNorm = 0.3, EpsilonBudget = 100, Delta = Delta,
            Adaptive = new AdaptiveClippingSettings { TargetQuantile = 0.5, LearningRate = 0.2, CountNoiseMultiplier = 1.0 },
        };
        var setup = new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 32)))
        {
            MinSites = 2,
            TotalRounds = 3,
            DifferentialPrivacy = privacy,
        };
        // Two sites, k = 2: each is protected by the other's share alone, z·√(1/2).
        var oneRound = new RdpAccountant();
        oneRound.Compose(1.0, Math.Sqrt(0.5));
        var twoRounds = new RdpAccountant();
        twoRounds.Compose(1.0, Math.Sqrt(0.5), rounds: 2);

        double clipAfterRound1;
        await using (RunningAggregator first = await RunningAggregator.StartAsync(setup, log))
        {
            using var site1 = new SyntheticSite("site-01", federation.Pki, first.Uri, log.Factory(), exampleCount: 10);
            using var site2 = new SyntheticSite("site-02", federation.Pki, first.Uri, log.Factory(), exampleCount: 20);
            await Task.WhenAll(site1.JoinAsync(), site2.JoinAsync()).WaitAsync(Eventually.Patience);
            (RoundTask Task, UploadReply Reply)[] round1 = await Task.WhenAll(site1.TakePartAsync(), site2.TakePartAsync()).WaitAsync(Eventually.Patience);
            Assert.All(round1, r => Assert.True(r.Reply.Accepted, $"{r.Reply.Rejection}: {r.Reply.Reason}"));
            Assert.All(round1, r => Assert.Equal((DpMode.Distributed, 0.3, true), (r.Task.Privacy.Mode, r.Task.Privacy.ClipNorm, r.Task.Privacy.ReportUnclippedIndicator)));
            Assert.All(site1.Sent.Concat(site2.Sent), u => Assert.True(u.Header.HasUnclippedIndicator));
            FinishedRound finished1 = await first.Rounds.WaitForRoundAsync(1);
            Assert.Equal(oneRound.Spent(Delta), finished1.Summary.Privacy);
            clipAfterRound1 = new CheckpointStore(stateDirectory).Load().State.Privacy!.ClipNorm;
            Assert.NotEqual(0.3, clipAfterRound1); // the noised count moved it
        }

        await using RunningAggregator second = await RunningAggregator.StartAsync(setup, log);
        await log.WaitForAsync(FormattableString.Invariant($"spent {oneRound.Spent(Delta).Epsilon:G4} over 1 rounds"), Eventually.Patience, "FedFace.Aggregator");
        using var again1 = new SyntheticSite("site-01", federation.Pki, second.Uri, log.Factory(), exampleCount: 10);
        using var again2 = new SyntheticSite("site-02", federation.Pki, second.Uri, log.Factory(), exampleCount: 20);
        (RoundTask Task, UploadReply Reply)[] round2 = await Task.WhenAll(again1.TakePartAsync(minRound: 2), again2.TakePartAsync(minRound: 2)).WaitAsync(Eventually.Patience);

        Assert.All(round2, r => Assert.True(r.Reply.Accepted, $"{r.Reply.Rejection}: {r.Reply.Reason}"));
        Assert.All(round2, r => Assert.Equal(clipAfterRound1, r.Task.Privacy.ClipNorm));
        FinishedRound finished2 = await second.Rounds.WaitForRoundAsync(2);
        Assert.True(finished2.Summary.Committed, finished2.Summary.Outcome);
        Assert.Equal(twoRounds.Spent(Delta), finished2.Summary.Privacy);
        Assert.True(finished2.Summary.Privacy!.Epsilon > oneRound.Spent(Delta).Epsilon);
        Assert.Equal(2, new CheckpointStore(stateDirectory).Load().State.Privacy!.RestoreAccountant().RoundsComposed);
    }

    [Fact]
    public async Task When_the_next_round_would_exceed_the_privacy_budget_the_federation_finishes_before_it_with_a_reason_naming_epsilon_and_the_budget()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("dp-budget");
        var accountant = new RdpAccountant();
        PrivacySpent afterOne = accountant.SpentAfter(1.0, 1.0, 1, Delta), afterTwo = accountant.SpentAfter(1.0, 1.0, 2, Delta);
        double budget = (afterOne.Epsilon + afterTwo.Epsilon) / 2; // one round fits, two do not
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 33)))
            {
                MinSites = 2,
                TotalRounds = 5,
                DifferentialPrivacy = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 1.0, ClipNorm = 0.3, EpsilonBudget = budget, Delta = Delta },
            }, log);
        using var site1 = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 10);
        using var site2 = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, log.Factory(), exampleCount: 20);
        using var stop = new CancellationTokenSource(Eventually.Patience);

        int[] accepted = await Task.WhenAll(site1.RunUntilFinishedAsync(stop.Token), site2.RunUntilFinishedAsync(stop.Token));

        Assert.Equal([1, 1], accepted);
        Assert.Equal([1L], aggregator.Rounds.Finished.Select(s => s.Round));
        Assert.Equal(1, aggregator.Coordinator.ModelVersion);
        string reason = FormattableString.Invariant(
            $"the privacy budget is spent: round 2 would take ε from {afterOne.Epsilon:G4} to {afterTwo.Epsilon:G4}, beyond the budget ε = {budget:G4} at δ = {Delta:G3}");
        Assert.Equal(reason, site1.FinishReason);
        Assert.Equal(reason, site2.FinishReason);
        await log.WaitForAsync($"Round 2 not opened: {reason}", Eventually.Patience, "FedFace.Aggregator");
        await log.WaitForAsync($"Federation finished: model v1 after round 1: {reason}", Eventually.Patience, "FedFace.Aggregator");
    }

    private static double L2Norm(ModelState delta) => DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));

    [Fact]
    public void Distributed_privacy_with_rounds_of_one_site_is_refused_at_start_up_naming_the_settings()
    {
        var options = new AggregatorOptions { MinSites = 1, DifferentialPrivacy = new() { Mode = DifferentialPrivacyMode.Distributed } };
        Assert.Contains("Aggregator:DifferentialPrivacy:Mode Distributed needs Aggregator:MinSites of at least 2 (a site is protected only by the others' noise shares), got 1",
            options.Problems());
        options.MinSites = 2;
        Assert.DoesNotContain(options.Problems(), p => p.Contains("MinSites", StringComparison.Ordinal));
    }
}
