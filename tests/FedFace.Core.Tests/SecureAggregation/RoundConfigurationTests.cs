using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class RoundConfigurationTests
{
    private static readonly string[] s_sites = ["a", "b", "c", "d", "e", "f"];

    private static RoundConfiguration Make(int k = 4, int t = 3, long maxWeight = 10, string[]? sites = null) =>
        new(5, sites ?? s_sites, k, t, new byte[32], vectorLength: 8, clipNorm: 2, coordinateBound: 0.5, maxWeightPerSite: maxWeight);

    [Theory]
    [InlineData(4, 2)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    public void A_threshold_of_at_most_half_the_neighbours_is_refused(int k, int t)
    {
        var error = Assert.Throws<ArgumentException>(() => Make(k, t));
        Assert.Contains("must exceed k/2", error.Message);
    }

    [Fact]
    public void Quantization_levels_keep_the_largest_possible_sum_below_two_to_the_31()
    {
        RoundConfiguration configuration = Make(maxWeight: 1000);
        long maxTotal = 6 * 1000;
        Assert.Equal(maxTotal, configuration.MaxTotalWeight);
        Assert.Equal(int.MaxValue / maxTotal, configuration.QuantizationLevels);
        Assert.True((long)configuration.QuantizationLevels * maxTotal <= int.MaxValue);
        Assert.Equal(0.5 / configuration.QuantizationLevels, configuration.ErrorBound);
        Assert.Throws<ArgumentException>(() => Make(maxWeight: int.MaxValue / 5));
    }

    [Fact]
    public void Round_trips_through_bytes_with_the_same_digest()
    {
        RoundConfiguration configuration = RoundConfiguration.Create(9, ["x", "y", "z", "w"], 100, new SecAggSettings());
        RoundConfiguration copy = RoundConfiguration.FromBytes(configuration.ToBytes());
        Assert.Equal(configuration.Digest, copy.Digest);
        Assert.Equal(configuration.SiteIds, copy.SiteIds);
        Assert.Equal(configuration.GraphSeed, copy.GraphSeed);
        Assert.Equal((configuration.NeighbourCount, configuration.Threshold), (copy.NeighbourCount, copy.Threshold));
        Assert.NotEqual(configuration.Digest, RoundConfiguration.Create(9, ["x", "y", "z", "w"], 100, new SecAggSettings()).Digest); // fresh seed
    }

    [Fact]
    public void Create_applies_the_neighbourhood_rule_and_the_settings()
    {
        RoundConfiguration complete = RoundConfiguration.Create(1, s_sites, 4, new SecAggSettings());
        Assert.Equal((5, 3), (complete.NeighbourCount, complete.Threshold));
        RoundConfiguration fixedK = RoundConfiguration.Create(1, s_sites, 4, new SecAggSettings { NeighbourCount = 2 });
        Assert.Equal((2, 2), (fixedK.NeighbourCount, fixedK.Threshold));
        Assert.Throws<ArgumentException>(() => RoundConfiguration.Create(1, s_sites, 4, new SecAggSettings { NeighbourCount = 4, Threshold = 2 }));
        Assert.Throws<ArgumentException>(() => RoundConfiguration.Create(1, ["a", "b"], 4, new SecAggSettings()));
        Assert.Throws<ArgumentException>(() => RoundConfiguration.Create(1, s_sites, 4, new SecAggSettings { DropoutTolerance = 0.5 }));
    }

    [Fact]
    public void Sites_are_ordered_and_numbered_from_one()
    {
        RoundConfiguration configuration = Make(sites: ["f", "a", "c", "b", "e", "d"]);
        Assert.Equal(s_sites, configuration.SiteIds);
        Assert.Equal(1, configuration.ShamirPointOf("a"));
        Assert.Equal(6, configuration.ShamirPointOf("f"));
        Assert.Throws<ArgumentException>(() => configuration.ShamirPointOf("q"));
        Assert.Throws<ArgumentException>(() => Make(sites: ["a", "a", "b", "c", "d", "e"]));
    }
}
