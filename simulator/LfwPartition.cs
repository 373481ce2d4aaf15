using FedFace.Client;
using FedFace.Core;
using FedFace.Evaluation;
using FedFace.Vision;

namespace FedFace.Simulator;

/// <summary>
/// Splits LFW for a federation: training people come from lfw-pairs.txt folds 1–5 only and are dealt
/// to sites with no person at two sites; scoring uses the pairs of folds 6–10, whose people are disjoint
/// from folds 1–5 (the folds are person-disjoint), so no site ever trains on a scored face.
/// </summary>
public static class LfwPartition
{
    public static readonly int[] TrainingFolds = [1, 2, 3, 4, 5];
    public static readonly int[] ScoringFolds = [6, 7, 8, 9, 10];

    public static IReadOnlyList<IReadOnlyList<LabelledImage>> DealSites(IReadOnlyList<LfwPair> pairs, SimulatorOptions options)
    {
        var scoredPeople = PeopleOf(pairs.Where(p => ScoringFolds.Contains(p.Fold)));
        string[] eligible = PeopleOf(pairs.Where(p => TrainingFolds.Contains(p.Fold)))
            .Where(person => !scoredPeople.Contains(person))
            .Order(StringComparer.Ordinal)
            .Select(person => (person, images: ImagesOf(person)))
            .Where(p => p.images.Length >= options.MinImagesPerPerson)
            .Select(p => p.person)
            .ToArray();
        var random = new Random(options.Seed);
        random.Shuffle(eligible);
        if (options.MaxPeople > 0)
        {
            eligible = eligible.Take(options.MaxPeople).ToArray();
        }
        if (eligible.Length < options.Sites)
        {
            throw new InvalidOperationException($"only {eligible.Length} people of folds 1–5 have {options.MinImagesPerPerson}+ images; cannot fill {options.Sites} sites");
        }
        int[] siteOfPerson = options.UnequalSites
            ? UnequalDeal(eligible.Length, options.Sites, options.SiteSizeRatio, random)
            : Enumerable.Range(0, eligible.Length).Select(i => i % options.Sites).ToArray();
        var sites = Enumerable.Range(0, options.Sites).Select(_ => new List<LabelledImage>()).ToArray();
        for (int i = 0; i < eligible.Length; i++)
        {
            sites[siteOfPerson[i]].AddRange(ImagesOf(eligible[i]).Take(options.MaxImagesPerPerson).Select(path => new LabelledImage(path, eligible[i])));
        }
        return sites;
    }

    /// <summary>
    /// The site of each of <paramref name="people"/> people for non-IID sizes: site k's share is proportional to
    /// ratio^(k / (sites − 1)), so the largest site gets about <paramref name="ratio"/> times the people of the smallest.
    /// Every site first gets two people (an ArcFace head needs two classes); the rest are drawn with those weights.
    /// </summary>
    internal static int[] UnequalDeal(int people, int sites, double ratio, Random random)
    {
        if (people < 2 * sites)
        {
            throw new InvalidOperationException($"{people} people cannot give each of {sites} sites the two an ArcFace head needs");
        }
        double[] weights = Enumerable.Range(0, sites).Select(k => Math.Pow(ratio, sites == 1 ? 0 : k / (double)(sites - 1))).ToArray();
        double total = weights.Sum();
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
            while (site < sites - 1 && (draw -= weights[site]) >= 0)
            {
                site++;
            }
            siteOf[i] = site;
        }
        return siteOf;
    }

    /// <summary>The held-out pairs: folds 6–10, optionally the first N matched and N mismatched of each.</summary>
    public static IReadOnlyList<LfwPair> ScoringPairs(IReadOnlyList<LfwPair> pairs, int pairsPerFold)
    {
        return pairs.Where(p => ScoringFolds.Contains(p.Fold))
            .GroupBy(p => (p.Fold, p.SamePerson))
            .SelectMany(g => pairsPerFold > 0 ? g.Take(pairsPerFold / 2) : g)
            .ToArray();
    }

    private static HashSet<string> PeopleOf(IEnumerable<LfwPair> pairs) =>
        pairs.SelectMany(p => new[] { p.Person1, p.Person2 }).ToHashSet(StringComparer.Ordinal);

    private static string[] ImagesOf(string person)
    {
        string folder = Path.Combine(SharedData.LfwDirectory, person);
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray() : [];
    }
}
