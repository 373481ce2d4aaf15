namespace FedFace.Simulator;

/// <summary>
/// Deals people to sites with the sizes <see cref="PartitionSettings"/> asks for. Every scheme is a set of site shares;
/// unequal ones first give every site two people (an ArcFace head needs two classes), then draw each other person's
/// site with those shares from the seeded <see cref="Random"/>, so a deal repeats from its seed.
/// </summary>
public static class SiteSizes
{
    /// <summary>The site (0-based) of each of <paramref name="people"/> people.</summary>
    public static int[] Deal(int people, int sites, PartitionSettings partition, Random random)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(random);
        if (partition.Kind == "equal")
        {
            return [.. Enumerable.Range(0, people).Select(i => i % sites)];
        }
        if (people < 2 * sites)
        {
            throw new InvalidOperationException($"{people} people cannot give each of {sites} sites the two an ArcFace head needs");
        }
        double[] shares = Shares(sites, partition, random);
        double total = shares.Sum();
        var siteOf = new int[people];
        for (int i = 0; i < people; i++)
        {
            if (i < 2 * sites)
            {
                siteOf[i] = i % sites;
                continue;
            }
            double draw = random.NextDouble() * total;
            int site = 0;
            while (site < sites - 1 && (draw -= shares[site]) >= 0)
            {
                site++;
            }
            siteOf[i] = site;
        }
        return siteOf;
    }

    /// <summary>Each site's share of the people (unnormalised).</summary>
    internal static double[] Shares(int sites, PartitionSettings partition, Random random) => partition.Kind switch
    {
        // Site k's share ∝ ratio^(k / (sites − 1)): the largest gets about ratio times the smallest.
        "geometric" => [.. Enumerable.Range(0, sites).Select(k => Math.Pow(partition.GeometricRatio, sites == 1 ? 0 : k / (double)(sites - 1)))],
        "zipf" => [.. Enumerable.Range(1, sites).Select(k => Math.Pow(k, -partition.ZipfExponent))],
        "dirichlet" => [.. Enumerable.Range(0, sites).Select(_ => Gamma(partition.DirichletAlpha, random))],
        _ => throw new ArgumentException($"partition sizes must be {PartitionSettings.SizeNames}, got '{partition.Sizes}'", nameof(partition)),
    };

    /// <summary>A Gamma(α, 1) draw (Marsaglia and Tsang; α &lt; 1 boosted by U^(1/α)): normalised, independent draws are Dirichlet(α).</summary>
    private static double Gamma(double alpha, Random random)
    {
        if (alpha < 1)
        {
            return Gamma(alpha + 1, random) * Math.Pow(random.NextDouble(), 1 / alpha);
        }
        double d = alpha - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
