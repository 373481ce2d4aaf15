using FedFace.Core.Training;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests;

/// <summary>Training:DecayAcrossRounds: the round tasks' local schedules join into one cosine over the federation.</summary>
public sealed class DecayAcrossRoundsTests
{
    private static readonly TrainingPlan s_settings = new() { LearningRate = 0.1f, LearningRateFloor = 0.001f, WarmupSteps = 10, DecayAcrossRounds = true };

    [Fact]
    public void Each_round_decays_from_where_the_previous_ended_and_only_the_first_warms_up()
    {
        TrainingConfig[] rounds = [.. Enumerable.Range(0, 4).Select(committed => s_settings.ToTrainingConfig(seed: 1, progress: new FederationProgress(committed, TotalRounds: 4)))];

        Assert.Equal(0.1f, rounds[0].LearningRate);
        Assert.Equal(0.001f, rounds[3].LearningRateFloor, tolerance: 1e-7f);
        Assert.Equal(0.001f + 0.099f * 0.5f, rounds[2].LearningRate, tolerance: 1e-6f); // halfway: cos(π/2) = 0
        for (int round = 1; round < 4; round++)
        {
            Assert.Equal(rounds[round - 1].LearningRateFloor, rounds[round].LearningRate);
            Assert.True(rounds[round].LearningRate < rounds[round - 1].LearningRate);
        }
        Assert.Equal([10u, 0u, 0u, 0u], rounds.Select(r => r.WarmupSteps));
    }

    [Fact]
    public void Rounds_past_the_planned_number_stay_at_the_floor_and_without_the_setting_every_round_is_alike()
    {
        TrainingConfig late = s_settings.ToTrainingConfig(seed: 1, progress: new FederationProgress(CommittedRounds: 6, TotalRounds: 4));
        Assert.Equal((0.001f, 0.001f), (late.LearningRate, late.LearningRateFloor));

        var perRound = new TrainingPlan { LearningRate = 0.1f, LearningRateFloor = 0.001f, WarmupSteps = 10 };
        TrainingConfig third = perRound.ToTrainingConfig(seed: 1, progress: new FederationProgress(2, TotalRounds: 4));
        Assert.Equal((0.1f, 0.001f, 10u), (third.LearningRate, third.LearningRateFloor, third.WarmupSteps));
    }
}
