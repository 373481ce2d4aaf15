using FedFace.Protos.V1;

namespace FedFace.Aggregator.Tests;

/// <summary>The metrics a site reports reach the operator's status only when they are plausible.</summary>
public sealed class ReportedMetricsCheckTests
{
    private static RoundMetrics Plausible() => new() { Round = 1, ExampleCount = 10, MeanLoss = 1.5, TrainSeconds = 2, Steps = 1 };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void A_training_accuracy_from_0_to_1_is_taken(double accuracy)
    {
        RoundMetrics metrics = Plausible();
        metrics.Accuracy = accuracy;

        Assert.Null(ReportedMetricsCheck.Problem(metrics));
    }

    [Fact]
    public void A_report_without_accuracy_is_taken()
    {
        Assert.Null(ReportedMetricsCheck.Problem(Plausible()));
    }

    [Theory]
    [InlineData(1.5, "accuracy 1.5 is outside 0..1")]
    [InlineData(-0.1, "accuracy -0.1 is outside 0..1")]
    [InlineData(double.NaN, "accuracy NaN is outside 0..1")]
    public void An_accuracy_outside_0_to_1_is_refused_saying_why(double accuracy, string problem)
    {
        RoundMetrics metrics = Plausible();
        metrics.Accuracy = accuracy;

        Assert.Equal(problem, ReportedMetricsCheck.Problem(metrics));
    }
}
