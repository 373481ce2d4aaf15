using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class NeighbourhoodRuleTests
{
    private const double Epsilon = 1.0 / (1 << 20);

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(150)]
    public void Small_federations_use_the_complete_graph(int n)
    {
        (int k, int t) = NeighbourhoodRule.Choose(n, 0.3, Epsilon);
        Assert.Equal(n - 1, k);
        Assert.Equal((n - 1) / 2 + 1, t);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Large_federations_get_a_sparse_graph_that_meets_the_failure_target(int n)
    {
        (int k, int t) = NeighbourhoodRule.Choose(n, 0.3, Epsilon);
        Assert.True(k < n - 1, $"k = {k}");
        Assert.Equal(0, k % 2);
        Assert.True(NeighbourhoodRule.FailureProbability(n, k, t, 0.3) <= Epsilon);
        Assert.True(NeighbourhoodRule.FailureProbability(n, k - 2, NeighbourhoodRule.MinimumThreshold(k - 2), 0.3) > Epsilon, "k is the smallest");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(180)]
    public void The_threshold_always_exceeds_half_the_neighbours(int k) =>
        Assert.True(2 * NeighbourhoodRule.MinimumThreshold(k) > k);

    [Fact]
    public void A_lower_dropout_tolerance_needs_fewer_neighbours()
    {
        (int k10, _) = NeighbourhoodRule.Choose(2000, 0.1, Epsilon);
        (int k30, _) = NeighbourhoodRule.Choose(2000, 0.3, Epsilon);
        Assert.True(k10 < k30, $"{k10} vs {k30}");
    }

    [Fact]
    public void Corrupt_sites_leave_every_neighbourhood_fewer_than_t_of_them_within_the_failure_target()
    {
        const int n = 1000;
        (int k, int t) = NeighbourhoodRule.Choose(n, 0.1, Epsilon, corruptFraction: 0.2);
        (int honestK, _) = NeighbourhoodRule.Choose(n, 0.1, Epsilon);
        var tail = new CorruptNeighbourTail(n, corrupt: 200);
        Assert.True(k < n - 1 && k >= honestK, $"k = {k}, {honestK} without corrupt sites");
        Assert.True(n * tail.AtLeast(k, t) <= Epsilon, $"P = {n * tail.AtLeast(k, t)}");
        Assert.True(NeighbourhoodRule.FailureProbability(n, k, t, 0.1) <= Epsilon);
        Assert.True(t == NeighbourhoodRule.MinimumThreshold(k) || n * tail.AtLeast(k, t - 1) > Epsilon, "t is the smallest safe threshold");
    }

    [Fact]
    public void On_the_complete_graph_t_exceeds_the_corrupt_sites()
    {
        (int k, int t) = NeighbourhoodRule.Choose(20, 0.05, Epsilon, corruptFraction: 0.45); // C = 9
        Assert.Equal((19, 10), (k, t));
        Assert.Equal(9, RoundConfiguration.Create(1, [.. Enumerable.Range(0, 20).Select(i => $"s{i:D2}")], 4,
            new SecAggSettings { DropoutTolerance = 0.05, CorruptFraction = 0.45 }).ColludersWithstood);
    }

    [Theory]
    [InlineData(10, 0.3, 0.45, "7 survivors are fewer than the 8 signatures")]       // the survivor-set quorum is out of reach
    [InlineData(5, 0.45, 0.0, "with 2 dropped a site keeps only 2 of its 4 neighbours")] // t = 3 > k − dropped
    public void A_threat_model_no_configuration_meets_is_refused_saying_why(int n, double dropout, double corrupt, string why)
    {
        var error = Assert.Throws<ArgumentException>(() => NeighbourhoodRule.Choose(n, dropout, Epsilon, corrupt));
        Assert.Contains("secure aggregation cannot protect", error.Message);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void Binomial_tail_matches_a_direct_sum()
    {
        // P[Bin(10, 0.7) <= 5] = 0.15026833…
        Assert.Equal(0.1502683326, NeighbourhoodRule.BinomialAtMost(10, 0.7, 5), 9);
        Assert.Equal(1.0, NeighbourhoodRule.BinomialAtMost(10, 0.7, 10));
        Assert.Equal(0.0, NeighbourhoodRule.BinomialAtMost(10, 0.7, -1));
    }
}
