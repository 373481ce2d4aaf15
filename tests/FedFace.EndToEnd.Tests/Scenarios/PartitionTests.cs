using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Simulator;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>Site sizes: Zipf and Dirichlet deals repeat from their seed, give every site two people, and deal each person once.</summary>
public sealed class PartitionTests
{
    [Theory]
    [InlineData("zipf")]
    [InlineData("dirichlet")]
    public void An_unequal_deal_is_seeded_gives_every_site_two_people_and_deals_every_person_to_one_site(string sizes)
    {
        var partition = new PartitionSettings { Sizes = sizes, ZipfExponent = 1.2, DirichletAlpha = 0.3 };

        int[] siteOf = SiteSizes.Deal(people: 300, sites: 10, partition, new Random(4));
        int[] sizesOf = [.. Enumerable.Range(0, 10).Select(site => siteOf.Count(s => s == site))];

        Assert.Equal(siteOf, SiteSizes.Deal(300, 10, partition, new Random(4)));
        Assert.NotEqual(siteOf, SiteSizes.Deal(300, 10, partition, new Random(5)));
        Assert.Equal(300, sizesOf.Sum());
        Assert.All(sizesOf, size => Assert.True(size >= 2, string.Join(", ", sizesOf)));
        Assert.True(sizesOf.Max() >= 3 * sizesOf.Min(), string.Join(", ", sizesOf));
    }

    [Fact]
    public void Zipf_shares_fall_as_one_over_the_rank_to_the_exponent_and_a_large_dirichlet_alpha_is_nearly_equal()
    {
        double[] zipf = SiteSizes.Shares(4, new PartitionSettings { Sizes = "zipf", ZipfExponent = 2 }, new Random(1));
        double[] flat = SiteSizes.Shares(4, new PartitionSettings { Sizes = "dirichlet", DirichletAlpha = 1e4 }, new Random(1));

        Assert.Equal([1, 1 / 4.0, 1 / 9.0, 1 / 16.0], zipf);
        Assert.True(flat.Max() / flat.Min() < 1.1, string.Join(", ", flat));
    }

    [Theory]
    [InlineData("zipf")]
    [InlineData("dirichlet")]
    public void Lfw_people_dealt_by_zipf_or_dirichlet_sizes_are_disjoint_across_sites_and_all_dealt(string sizes)
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        var options = new SimulatorOptions { Sites = 5, MaxPeople = 40, MinImagesPerPerson = 2, MaxImagesPerPerson = 3, Seed = 9, Partition = new() { Sizes = sizes } };

        string[][] people = [.. LfwPartition.DealSites(pairs, options).Select(site => site.Select(image => image.Person).Distinct().ToArray())];

        Assert.Equal(40, people.Sum(site => site.Length));
        Assert.Equal(40, people.SelectMany(site => site).Distinct().Count());
        Assert.All(people, site => Assert.True(site.Length >= 2));
        Assert.Equal(people, LfwPartition.DealSites(pairs, options).Select(site => site.Select(image => image.Person).Distinct().ToArray()));
    }

    [Fact]
    public void Partition_flags_are_read_and_bad_values_are_refused_by_their_flag()
    {
        SimulatorOptions options = SimulatorSettingsTests.Parse("--partition", "dirichlet", "--dirichlet-alpha", "0.2", "--zipf-exponent", "1.5", "--site-size-ratio", "4");

        Assert.Equal(("dirichlet", 0.2, 1.5, 4.0), (options.Partition.Sizes, options.Partition.DirichletAlpha, options.Partition.ZipfExponent, options.Partition.GeometricRatio));
        Assert.Empty(options.Problems());
        Assert.Contains("--partition must be equal, geometric, zipf or dirichlet, got 'pareto'", SimulatorSettingsTests.Parse("--partition", "pareto").Problems());
        Assert.Contains("--dirichlet-alpha must be positive, got 0", SimulatorSettingsTests.Parse("--dirichlet-alpha", "0").Problems());
        Assert.Contains("--zipf-exponent must be zero or positive, got -1", SimulatorSettingsTests.Parse("--zipf-exponent", "-1").Problems());
        Assert.Contains("--site-size-ratio must be at least 1, got 0.5", SimulatorSettingsTests.Parse("--site-size-ratio", "0.5").Problems());
    }
}
