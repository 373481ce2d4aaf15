using FedFace.Aggregator.SecureAggregation;

namespace FedFace.Aggregator.Tests;

public class SecureAggregationOptionsTests
{
    [Fact]
    public void A_threat_model_no_round_of_MinSites_sites_can_meet_is_refused_at_startup_in_one_line()
    {
        var impossible = new SecureAggregationOptions { Enabled = true, DropoutTolerance = 0.3, CorruptFraction = 0.45 };
        string problem = Assert.Single(impossible.Problems("Aggregator:SecureAggregation", minSites: 10, roundDeadlineSeconds: 600));
        Assert.StartsWith("Aggregator:SecureAggregation: at Aggregator:MinSites = 10, secure aggregation cannot protect 10 sites", problem, StringComparison.Ordinal);
        Assert.Contains("fewer than the 8 signatures", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
        Assert.Empty(new SecureAggregationOptions { Enabled = true, CorruptFraction = 0.2 }.Problems("Aggregator:SecureAggregation", minSites: 10, roundDeadlineSeconds: 600));
    }
}
