using FedFace.Client;
using FedFace.Protos.V1;

namespace FedFace.EndToEnd.Tests;

public sealed class SiteOptionsTests
{
    [Theory]
    [InlineData(0.5, AggregationMode.SecureAggregation, "Site:MinimumCorruptFraction must be in [0, 0.5) (half the sites corrupt could sign any survivor set), got 0.5")]
    [InlineData(-0.1, AggregationMode.SecureAggregation, "Site:MinimumCorruptFraction must be in [0, 0.5) (half the sites corrupt could sign any survivor set), got -0.1")]
    [InlineData(0.1, AggregationMode.Plain,
        "Site:MinimumCorruptFraction 0.1 needs Site:MinimumAggregationMode SecureAggregation: a plain round lets the aggregator see every update anyway")]
    public void A_minimum_corrupt_fraction_that_cannot_be_asked_for_is_refused_at_start_up(double fraction, AggregationMode minimum, string problem)
    {
        var options = new SiteOptions { MinimumCorruptFraction = fraction, MinimumAggregationMode = minimum };

        Assert.Contains(problem, options.Problems(requireDataDirectory: false));
    }

    [Fact]
    public void A_minimum_corrupt_fraction_with_secure_aggregation_required_is_accepted_and_reaches_the_policy()
    {
        var options = new SiteOptions { MinimumCorruptFraction = 0.2, MinimumAggregationMode = AggregationMode.SecureAggregation };

        Assert.DoesNotContain(options.Problems(requireDataDirectory: false), p => p.Contains("MinimumCorruptFraction", StringComparison.Ordinal));
        Assert.Equal(0.2, options.Protection.MinimumCorruptFraction);
    }
}
