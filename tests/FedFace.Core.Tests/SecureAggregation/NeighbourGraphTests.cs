using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class NeighbourGraphTests
{
    private static string[] Sites(int n) => [.. Enumerable.Range(0, n).Select(i => $"s{i:D3}")];

    private static byte[] Seed(byte value) => Enumerable.Repeat(value, 32).ToArray();

    [Theory]
    [InlineData(10, 4)]
    [InlineData(11, 6)]
    [InlineData(12, 5)]
    [InlineData(50, 12)]
    [InlineData(9, 8)]
    [InlineData(10, 9)]
    public void Every_site_has_exactly_k_distinct_neighbours_and_the_relation_is_symmetric(int n, int k)
    {
        string[] sites = Sites(n);
        var graph = new NeighbourGraph(sites, k, Seed(1));
        foreach (string site in sites)
        {
            IReadOnlyList<string> neighbours = graph.NeighboursOf(site);
            Assert.Equal(k, neighbours.Distinct().Count());
            Assert.DoesNotContain(site, neighbours);
            Assert.All(neighbours, other => Assert.True(graph.AreNeighbours(other, site)));
        }
    }

    [Fact]
    public void K_of_n_minus_one_is_the_complete_graph()
    {
        string[] sites = Sites(7);
        var graph = new NeighbourGraph(sites, 6, Seed(2));
        Assert.All(sites, s => Assert.Equal(sites.Where(o => o != s), graph.NeighboursOf(s)));
    }

    [Fact]
    public void The_seed_alone_decides_the_graph()
    {
        string[] sites = Sites(40);
        var first = new NeighbourGraph(sites, 6, Seed(3));
        var again = new NeighbourGraph(sites.Reverse().ToArray().Order(StringComparer.Ordinal).ToArray(), 6, Seed(3));
        var other = new NeighbourGraph(sites, 6, Seed(4));
        Assert.All(sites, s => Assert.Equal(first.NeighboursOf(s), again.NeighboursOf(s)));
        Assert.Contains(sites, s => !first.NeighboursOf(s).SequenceEqual(other.NeighboursOf(s)));
        // The permutation scatters neighbours: not simply the sites next to each other by name.
        Assert.Contains(sites, s => first.NeighboursOf(s).Any(n => Math.Abs(int.Parse(n[1..]) - int.Parse(s[1..])) > 3));
    }

    [Fact]
    public void Impossible_degrees_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new NeighbourGraph(Sites(9), 3, Seed(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeighbourGraph(Sites(9), 9, Seed(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeighbourGraph(Sites(9), 0, Seed(1)));
        Assert.Throws<ArgumentException>(() => new NeighbourGraph(Sites(9), 2, Seed(1)).NeighboursOf("stranger"));
    }
}
