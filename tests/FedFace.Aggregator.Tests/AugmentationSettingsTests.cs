using FedFace.Core.Training;

namespace FedFace.Aggregator.Tests;

/// <summary>Training:Augment*: the aggregator refuses at start-up bounds a site would refuse later.</summary>
public sealed class AugmentationSettingsTests
{
    [Fact]
    public void A_bound_outside_its_range_is_a_problem_named_by_its_setting()
    {
        Assert.Empty(new TrainingPlan { AugmentMaxShift = 0.1f, AugmentMaxRotationDegrees = 10 }.Problems("Aggregator:Training"));

        string problem = Assert.Single(new TrainingPlan { AugmentMaxShift = 0.5f }.Problems("Aggregator:Training"));
        Assert.Equal("Aggregator:Training:AugmentMaxShift must be in [0, 0.5), got 0.5", problem);
    }
}
