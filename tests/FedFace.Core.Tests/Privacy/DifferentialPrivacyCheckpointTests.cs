using System.Text.Json;
using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class DifferentialPrivacyCheckpointTests
{
    [Fact]
    public void A_restarted_aggregator_resumes_the_clip_and_the_spent_budget()
    {
        var settings = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Central,
            NoiseMultiplier = 1.2,
            ClipNorm = 0.8,
            Adaptive = new AdaptiveClippingSettings { CountNoiseMultiplier = 3 },
        };
        var step = new DpAggregationStep(settings);
        DifferentialPrivacyCheckpoint checkpoint = DifferentialPrivacyCheckpoint.Initial(settings);
        Assert.Equal(0.8, checkpoint.ClipNorm);

        for (int round = 0; round < 3; round++)
        {
            // Each round resumes from the last checkpoint, as after a crash, through JSON as on disk.
            checkpoint = JsonSerializer.Deserialize<DifferentialPrivacyCheckpoint>(JsonSerializer.Serialize(checkpoint))!;
            RdpAccountant accountant = checkpoint.RestoreAccountant();
            Assert.Equal(round, accountant.RoundsComposed);

            DpRoundPlan plan = step.PlanRound(checkpoint.ClipNorm, eligibleSites: 6, sampledSites: 3, minimumSurvivors: 2);
            DpRoundOutcome outcome = step.Complete(plan, new ModelState([NamedTensor.Zeros("w", [10])]), survivors: 3, unclippedIndicatorSum: 1.5);
            accountant.Compose(outcome.SamplingRate, outcome.RealisedNoiseMultiplier);
            checkpoint = DifferentialPrivacyCheckpoint.After(outcome, accountant);
            Assert.Equal(outcome.NextClipNorm, checkpoint.ClipNorm);
        }

        var uninterrupted = new RdpAccountant();
        uninterrupted.Compose(1.0, 1.2, 3); // 3 of 6 sampled, but the sample is disclosed: q = 1
        Assert.Equal(uninterrupted.Spent(1e-5), checkpoint.RestoreAccountant().Spent(1e-5));
    }

    [Fact]
    public void An_impossible_checkpoint_is_refused()
    {
        var empty = new RdpAccountant().ToCheckpoint();
        Assert.Throws<InvalidDataException>(() => new DifferentialPrivacyCheckpoint(0, empty).RestoreAccountant());
        Assert.Throws<InvalidDataException>(() => new DifferentialPrivacyCheckpoint(1, null!).RestoreAccountant());
    }
}
