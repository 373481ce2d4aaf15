using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class LearningRateScheduleTests
{
    // The seed's practice: 1e-3 down to 1e-6; 4 warm-up steps, 13 steps in all (cosine over the 8 steps after step 4).
    private static readonly LearningRateSchedule s_schedule = new(Peak: 1e-3, Floor: 1e-6, WarmupSteps: 4, TotalSteps: 13);

    [Theory]
    [InlineData(0, 0.2e-3)]
    [InlineData(1, 0.4e-3)]
    [InlineData(3, 0.8e-3)]
    public void Warm_up_climbs_linearly_and_never_runs_a_step_at_rate_zero(int step, double expected) =>
        Assert.Equal(expected, s_schedule.RateAt(step), 1e-12);

    [Fact]
    public void Cosine_decay_starts_at_the_peak_passes_the_midpoint_halfway_and_ends_on_the_floor()
    {
        Assert.Equal(1e-3, s_schedule.RateAt(4), 1e-12);                        // first step after warm-up: the peak
        Assert.Equal(1e-6 + (1e-3 - 1e-6) * 0.5 * (1 + Math.Cos(Math.PI / 4)), s_schedule.RateAt(6), 1e-12); // a quarter of the way
        Assert.Equal(1e-6 + (1e-3 - 1e-6) * 0.5, s_schedule.RateAt(8), 1e-12);  // halfway: the mid-point of peak and floor
        Assert.Equal(1e-6, s_schedule.RateAt(12), 1e-15);                       // the last step runs on the floor
        Assert.Equal(1e-6, s_schedule.RateAt(50), 1e-15);                      // and it never goes lower
    }

    [Fact]
    public void Rates_fall_monotonically_after_the_warm_up()
    {
        double[] rates = Enumerable.Range(4, 9).Select(s_schedule.RateAt).ToArray();
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.True(pair.Second < pair.First));
    }

    [Fact]
    public void Floor_equal_to_the_peak_is_a_constant_rate_and_a_single_step_runs_at_the_peak()
    {
        var constant = new LearningRateSchedule(0.05, 0.05, WarmupSteps: 0, TotalSteps: 10);
        Assert.All(Enumerable.Range(0, 10), step => Assert.Equal(0.05, constant.RateAt(step), 1e-15));
        Assert.Equal(0.1, new LearningRateSchedule(0.1, 1e-6, 0, TotalSteps: 1).RateAt(0));
    }

    [Fact]
    public void For_takes_the_rates_and_warm_up_from_the_options()
    {
        var options = TrainingPlan.Default with { LearningRate = 1e-3f, LearningRateFloor = 1e-6f, WarmupSteps = 2 };
        Assert.Equal(new LearningRateSchedule(1e-3f, 1e-6f, 2, 20), LearningRateSchedule.For(options, totalSteps: 20));
    }
}
