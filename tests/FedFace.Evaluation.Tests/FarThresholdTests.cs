namespace FedFace.Evaluation.Tests;

public sealed class FarThresholdTests
{
    [Theory]
    [InlineData(1e-3, 3000, 3)] // a product that binary doubles could round to 2.999…
    [InlineData(1e-3, 2999, 2)]
    [InlineData(1e-3, 300, 0)] // one LFW fold: no false accept allowed
    [InlineData(0.1, 177_000, 17_700)]
    [InlineData(1, 5, 5)]
    public void Allowed_false_accepts_are_the_floor_of_far_times_impostors(double far, long impostors, long expected) =>
        Assert.Equal(expected, FarThreshold.AllowedFalseAccepts(far, impostors));

    [Fact]
    public void The_threshold_is_the_score_after_the_allowed_false_accepts_so_ties_never_exceed_the_target()
    {
        double[] impostors = [3, 4, 5, 4, 4];
        // Sorted 5, 4, 4, 4, 3. FAR 0.2 allows 1: threshold 4, and only the 5 is above it.
        Assert.Equal(4, FarThreshold.ForImpostorScores(impostors, 0.2));
        // FAR 0.4 allows 2, but the 2nd and 3rd highest tie: the threshold stays 4 and accepts just one.
        Assert.Equal(4, FarThreshold.ForImpostorScores(impostors, 0.4));
        Assert.Equal(3, FarThreshold.ForImpostorScores(impostors, 0.8));
        // FAR 0.1 allows none: the highest score itself.
        Assert.Equal(5, FarThreshold.ForImpostorScores(impostors, 0.1));
        Assert.Equal(double.NegativeInfinity, FarThreshold.ForImpostorScores(impostors, 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_far_outside_zero_to_one_is_refused(double far) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FarThreshold.AllowedFalseAccepts(far, 10));
}
