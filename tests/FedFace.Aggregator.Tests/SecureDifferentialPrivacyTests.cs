using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using FedFace.Transport;
using FedFace.Transport.SecureAggregation;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// DP-FedAvg inside secure rounds over the real aggregator: sites clip (and, distributed, add integer noise after quantizing) before masking, weigh 1,
/// and send their adaptive-clipping bit inside the masked vector; the aggregator noises the unmasked sum (central),
/// accounts the noise the survivors really carry, and commits the unweighted mean over the sites sampled.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class SecureDifferentialPrivacyTests(TestFederation federation, ITestOutputHelper output)
{
    private const double Delta = 1e-5, ClipNorm = 0.3;

    private static SecureAggregationOptions Secure => new() { Enabled = true, AdvertiseKeysSeconds = 4, ShareKeysSeconds = 4, ConsistencyCheckSeconds = 4, UnmaskSeconds = 4 };

    [Fact]
    public async Task A_secure_central_DP_round_commits_the_noised_unweighted_sum_of_the_clipped_deltas_over_the_sampled_sites_and_reports_epsilon()
    {
        var privacy = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Central, NoiseMultiplier = 0.01, ClipNorm = ClipNorm, EpsilonBudget = 1e9, Delta = Delta };
        ModelState initial = TestModels.Small(seed: 41);

        (FinishedRound finished, RoundTask task, _) = await OneSecureRoundAsync("secure-central-dp", initial, privacy, vanishing: null);

        Assert.Equal((DpMode.Central, ClipNorm, 0.0), (task.Privacy.Mode, task.Privacy.ClipNorm, task.Privacy.UpdateNoiseStddev));
        Assert.Equal(AggregationMode.SecureAggregation, task.Aggregation);
        RoundConfiguration configuration = RoundConfiguration.FromBytes(task.SecureAggregation.Configuration.ToByteArray());
        Assert.Equal((1L, ClipNorm), (configuration.MaxWeightPerSite, configuration.CoordinateBound)); // weight 1; coordinates within C
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal("4→4→4→4→4", finished.Summary.SecureAggregation!.Survivors);
        Assert.Equal(10 + 50 + 200 + 40, finished.Summary.TotalExamples); // reported, never weighed
        // Weighting by examples (200 vs 10) or dividing by anything but the 4 sampled would move the model far beyond this noise.
        TestModels.AssertPreviousPlusNoisedSumOverSampled(initial, ClippedDeltas(initial, TestFederation.SiteIds), sampledSites: 4,
            noiseStandardDeviation: 0.01 * ClipNorm, finished.GlobalModel);
        var accountant = new RdpAccountant();
        accountant.Compose(samplingRate: 1.0, noiseMultiplier: 0.01);
        Assert.Equal(accountant.Spent(Delta), finished.Summary.Privacy);
    }

    [Fact]
    public async Task Secure_distributed_DP_with_adaptive_clipping_keeps_at_least_the_full_noise_when_a_site_vanishes_after_its_masked_input_and_accounts_what_arrived()
    {
        var privacy = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1.0, ClipNorm = ClipNorm, EpsilonBudget = 100, Delta = Delta,
            Adaptive = new AdaptiveClippingSettings { TargetQuantile = 0.5, LearningRate = 0.2, CountNoiseMultiplier = 1.0 },
        };
        ModelState initial = TestModels.Small(seed: 42);

        (FinishedRound finished, RoundTask task, string stateDirectory) =
            await OneSecureRoundAsync("secure-distributed-dp", initial, privacy, vanishing: ("site-04", SecAggStage.Unmask));

        // Four sampled, MinSites 3, and a secure round of four unmasks with t + 1 = 3: shares are sized for k = 3 survivors.
        double updateNoise = privacy.UpdateNoiseMultiplier * ClipNorm;
        Assert.Equal(updateNoise / Math.Sqrt(3), task.Privacy.UpdateNoiseStddev, 12);
        Assert.Equal(1.0 / Math.Sqrt(3), task.Privacy.IndicatorNoiseStddev, 12);
        Assert.True(task.Privacy.ReportUnclippedIndicator);
        RoundConfiguration configuration = RoundConfiguration.FromBytes(task.SecureAggregation.Configuration.ToByteArray());
        Assert.Equal(TestModels.SmallLayout.Sum(t => NamedTensor.ElementCount(t.Shape)) + 1, configuration.VectorLength); // the bit rides along
        Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
        Assert.Equal("4→4→4→4→3", finished.Summary.SecureAggregation!.Survivors);
        Assert.Equal(TestFederation.SiteIds, finished.Summary.AcceptedSites); // site-04's input, noise share included, is in the sum
        // Four shares of variance σ²/3, added by the sites in integers after quantization: the sum carries σ·√(4/3); the
        // accountant is told the three discrete Gaussian shares besides a site's own, as a site reading its task computes them,
        // which is the Gaussian's z·√(3/3) to within the rounding's norm slack.
        TestModels.AssertPreviousPlusNoisedSumOverSampled(initial, ClippedDeltas(initial, TestFederation.SiteIds), sampledSites: 4,
            noiseStandardDeviation: updateNoise * Math.Sqrt(4 / 3.0), finished.GlobalModel);
        double others = DistributedDiscreteGaussian.For(configuration, PrivacyWire.SiteInstructionsOf(task)!).NoiseMultiplier(3);
        Assert.Equal(privacy.NoiseMultiplier * Math.Sqrt(3 / 3.0), others, 6);
        var accountant = new RdpAccountant();
        accountant.Compose(samplingRate: 1.0, noiseMultiplier: others);
        Assert.Equal(accountant.Spent(Delta), finished.Summary.Privacy);
        Assert.NotEqual(ClipNorm, new CheckpointStore(stateDirectory).Load().State.Privacy!.ClipNorm); // the noised count moved C
    }

    [Fact]
    public void Differential_privacy_and_secure_aggregation_start_together_and_each_problem_is_still_refused_by_its_setting()
    {
        AggregatorOptions Options(Action<AggregatorOptions> change)
        {
            var options = new AggregatorOptions
            {
                CertificatePath = federation.Pki.AggregatorCertificate, KeyPath = federation.Pki.AggregatorKey, CaCertificatePath = federation.Pki.CaCertificate,
                ModelSigningCertificatePath = federation.Pki.ModelSigningCertificate, ModelSigningKeyPath = federation.Pki.ModelSigningKey,
                MinSites = 3, SecureAggregation = new SecureAggregationOptions { Enabled = true },
                DifferentialPrivacy = new DifferentialPrivacySettings { Mode = DifferentialPrivacyMode.Distributed },
            };
            change(options);
            return options;
        }

        Assert.Empty(Options(_ => { }).Problems());
        Assert.Equal(["Aggregator:SecureAggregation: secure aggregation needs at least 3 sites a round; raise Aggregator:MinSites from 2"],
            Options(o => o.MinSites = 2).Problems());
        string countNoise = Assert.Single(Options(o => o.DifferentialPrivacy.Adaptive = new AdaptiveClippingSettings { CountNoiseMultiplier = 0.4 }).Problems());
        Assert.StartsWith("Aggregator:DifferentialPrivacy:Adaptive:CountNoiseMultiplier must be finite and exceed NoiseMultiplier/2 = 0.5", countNoise, StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_refuses_a_secure_DP_round_whose_quantization_range_would_clip_its_noise_share()
    {
        int modelLength = 352;
        var narrow = RoundConfiguration.Create(5, TestFederation.SiteIds, modelLength, new SecAggSettings());
        var task = new RoundTask
        {
            Round = 5,
            Privacy = new DifferentialPrivacyInstructions { Mode = DpMode.Distributed, ClipNorm = ClipNorm, UpdateNoiseStddev = 0.2 },
            SecureAggregation = new SecureAggregationTask { Configuration = ByteString.CopyFrom(narrow.ToBytes()) },
        };
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(federation.Pki.CaCertificate);

        var refusal = Assert.Throws<SecAggProtocolException>(() => SecureRoundTerms.Read(task, "site-01", ca));

        string needed = SecureDpQuantization.Problem(narrow, new DpSiteInstructions(ClipNorm, 0.2, false, 0))!;
        Assert.Equal($"the secure round is refused: {needed}", refusal.Message);
        Assert.Contains("cannot hold the round's clipped and noised delta", needed, StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_adds_no_floating_point_noise_to_a_secure_distributed_round_its_shares_are_added_in_integers_after_quantization()
    {
        ModelState global = TestModels.Small(seed: 43);
        ModelState delta = TestModels.DeltaFor("site-01", 1, global);
        int modelLength = (int)global.ParameterCount;
        var instructions = new DpSiteInstructions(ClipNorm, UpdateNoiseStandardDeviation: 0.2, ReportsUnclippedIndicator: true, IndicatorNoiseStandardDeviation: 0.5);
        RoundConfiguration configuration = RoundConfiguration.Create(5, TestFederation.SiteIds, modelLength + 1,
            SecureDpQuantization.For(new SecAggSettings(), instructions, modelLength));
        var task = new RoundTask
        {
            Round = 5,
            Privacy = new DifferentialPrivacyInstructions { Mode = DpMode.Distributed, ClipNorm = ClipNorm, UpdateNoiseStddev = 0.2,
                ReportUnclippedIndicator = true, IndicatorNoiseStddev = 0.5 },
            SecureAggregation = new SecureAggregationTask { Configuration = ByteString.CopyFrom(configuration.ToBytes()) },
        };

        ProtectedUpdate secure = ProtectedUpdate.For(task, delta, exampleCount: 10);
        task.SecureAggregation = null;
        ProtectedUpdate plain = ProtectedUpdate.For(task, delta, exampleCount: 10);

        ModelState clipped = DeltaClipping.Clip(delta, ClipNorm).Delta;
        Assert.All(clipped.Tensors, t => Assert.Equal(t.Values, secure.Delta[t.Name].Values)); // bit for bit: no float noise
        Assert.Equal(0.5f, Math.Abs(secure.Header.UnclippedIndicator));
        Assert.Contains(clipped.Tensors, t => !t.Values.SequenceEqual(plain.Delta[t.Name].Values)); // a plain round's share is float noise
    }

    private static ModelState[] ClippedDeltas(ModelState global, IEnumerable<string> sites) =>
        [.. sites.Select(site => DeltaClipping.Clip(TestModels.DeltaFor(site, 1, global), ClipNorm).Delta)];

    /// <summary>One secure DP round of four sites (all sampled, MinSites 3) with unequal example counts; one may vanish before a stage.</summary>
    private async Task<(FinishedRound Finished, RoundTask Task, string StateDirectory)> OneSecureRoundAsync(string name, ModelState initial, DifferentialPrivacySettings privacy,
        (string Site, SecAggStage Stage)? vanishing)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace(name), stateDirectory = Path.Combine(workspace, "state");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, stateDirectory, TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 3,
                TotalRounds = 1,
                RoundDeadlineSeconds = 12,
                PreJoinedSites = TestFederation.SiteIds,
                DifferentialPrivacy = privacy,
                SecureAggregation = Secure,
            }, log);
        long[] examples = [10, 50, 200, 40];
        SyntheticSite[] sites = [.. TestFederation.SiteIds.Select((id, i) => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), examples[i]))];
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            var rounds = sites.Select(site =>
            {
                var gone = new CancellationTokenSource();
                StageHook? vanish = vanishing is { } v && v.Site == site.SiteId ? StageHook.Vanish(v.Stage, gone) : null;
                return (Site: site.SiteId, Round: site.TakePartSecurelyAsync(observer: vanish, cancellationToken: gone.Token));
            }).ToArray();
            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1, TimeSpan.FromSeconds(20) + Eventually.Patience);
            RoundTask task = (await rounds[0].Round.WaitAsync(Eventually.Patience)).Task;
            foreach ((string site, Task<(RoundTask Task, SecAggEnd End)> round) in rounds.Where(r => r.Site != vanishing?.Site))
            {
                SecAggEnd end = (await round.WaitAsync(Eventually.Patience)).End;
                Assert.True(end.InputIncluded, $"{site}: {end.Description}");
            }
            return (finished, task, stateDirectory);
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }
}
