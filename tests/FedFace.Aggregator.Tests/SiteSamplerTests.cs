namespace FedFace.Aggregator.Tests;

public sealed class SiteSamplerTests
{
    private static readonly string[] s_sites = [.. Enumerable.Range(1, 10).Select(i => $"site-{i:D2}")];

    [Fact]
    public void The_secure_sampler_takes_distinct_sites_in_ordinal_order_and_no_seed_repeats_its_sample()
    {
        SiteSampler sampler = SiteSampler.Secure();
        string[][] samples = [.. Enumerable.Range(0, 400).Select(_ => sampler.Sample(s_sites, 3))];

        Assert.All(samples, sample => Assert.Equal(sample.Distinct().Order(StringComparer.Ordinal), sample));
        Assert.All(samples, sample => Assert.Equal(3, sample.Length));
        // 400 draws of 3 of 10: every site is expected 120 times (σ ≈ 9.2), and some two samples differ.
        Assert.All(s_sites, site => Assert.InRange(samples.Count(s => s.Contains(site)), 70, 170));
        Assert.True(samples.Select(s => string.Join(',', s)).Distinct().Count() > 50);
        Assert.NotEqual(Draws(SiteSampler.Secure()), Draws(SiteSampler.Secure()));
    }

    [Fact]
    public void The_seeded_sampler_repeats_its_samples_for_simulations()
    {
        Assert.Equal(Draws(SiteSampler.Seeded(7)), Draws(SiteSampler.Seeded(7)));
        Assert.Equal(s_sites, SiteSampler.Seeded(7).Sample(s_sites, 12)); // more wanted than there are: all of them
    }

    private static string Draws(SiteSampler sampler) => string.Join(';', Enumerable.Range(0, 20).Select(_ => string.Join(',', sampler.Sample(s_sites, 3))));
}
