using FedFace.Aggregator;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.Training;
using FedFace.Learning;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>DP-FedAvg end to end: real faces, real training, the real edge client and aggregator over mutual TLS.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class DifferentialPrivacyEndToEndTests(TestFederation federation, ITestOutputHelper output)
{
    private const double ClipNorm = 0.05, Delta = 1e-5;

    [Fact]
    public async Task Sites_that_require_DP_clip_what_they_trained_and_send_their_bits_and_the_central_DP_round_commits_the_noised_mean_and_reports_epsilon()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("dp-end-to-end");
        ModelState initial = GlobalModelFactory.CreateInitial(seed: 3);
        var privacy = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.1, ClipNorm = ClipNorm, EpsilonBudget = 1e6, Delta = Delta,
            Adaptive = new AdaptiveClippingSettings { TargetQuantile = 0.5, CountNoiseMultiplier = 0.1 },
        };
        SiteData[] data = TinySites.Align(2);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 2,
                TotalRounds = 1,
                RoundDeadlineSeconds = 300,
                Training = new TrainingPlan { LocalEpochs = 1, BatchSize = 4, LearningRate = 0.01f, MaxSteps = 2 },
                DifferentialPrivacy = privacy,
            }, log);
        var audit = new RecordingAudit();
        using var oneAtATime = new SemaphoreSlim(1);
        SiteAgent[] sites = [.. new[] { "site-01", "site-02" }.Select((id, i) => new SiteAgent(new SiteOptions
        {
            AggregatorUrl = aggregator.Uri.ToString(),
            CertificatePath = federation.Pki.SiteCertificate(id),
            KeyPath = federation.Pki.SiteKey(id),
            CaCertificatePath = federation.Pki.CaCertificate,
            Seed = i + 1,
            RequireDifferentialPrivacy = true,
        }, _ => data[i], log.Factory(), oneAtATime, audit))];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await Task.WhenAll(sites.Select(s => s.RunAsync(timeout.Token)));
        }
        finally
        {
            foreach (SiteAgent site in sites)
            {
                site.Dispose();
            }
        }

        Assert.All(sites, s => Assert.Equal((1, 0), (s.RoundsAccepted, s.RoundsRefused)));
        (string SiteId, UpdateHeader Header, ModelState Delta)[] sent = [.. audit.Uploads.OrderBy(u => u.SiteId, StringComparer.Ordinal)];
        Assert.Equal(["site-01", "site-02"], sent.Select(u => u.SiteId));
        Assert.All(sent, u => Assert.True(DeltaClipping.L2Norm(u.Delta.Tensors.Select(t => t.Values)) <= ClipNorm, $"{u.SiteId} sent a delta over the clip"));
        Assert.All(sent, u => Assert.True(u.Header.HasUnclippedIndicator && Math.Abs(u.Header.UnclippedIndicator) == 0.5f,
            $"{u.SiteId} sent no ±½ unclipped bit ({u.Header})"));
        FinishedRound round = await aggregator.Rounds.WaitForRoundAsync(1);
        Assert.True(round.Summary.Committed, round.Summary.Outcome);
        TestModels.AssertPreviousPlusNoisedSumOverSampled(initial, [.. sent.Select(u => u.Delta)], sampledSites: 2,
            noiseStandardDeviation: privacy.UpdateNoiseMultiplier * ClipNorm, round.GlobalModel);
        var accountant = new RdpAccountant();
        accountant.Compose(samplingRate: 1.0, noiseMultiplier: 0.1);
        Assert.Equal(accountant.Spent(Delta), round.Summary.Privacy);
    }
}
