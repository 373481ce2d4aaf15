using FedFace.Client;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Vision;

namespace FedFace.Simulator;

/// <summary>
/// Which lfw-pairs.txt folds give the training people and which the scored pairs. The folds are person-disjoint, so
/// no site ever trains on a scored face.
/// </summary>
public sealed record FoldSplit(int[] Training, int[] Scoring)
{
    /// <summary>Train on the people of folds 1–5, score the pairs of folds 6–10: every figure the experiments report.</summary>
    public static readonly FoldSplit Test = new([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);

    /// <summary>
    /// For choosing settings without looking at the pairs that judge them: train on folds 1–3, score folds 4–5. Fewer
    /// people train (about 60%), and the threshold is chosen on one fold and tested on the other.
    /// </summary>
    public static readonly FoldSplit Validation = new([1, 2, 3], [4, 5]);

    public static FoldSplit For(SimulatorOptions options) => options.ValidationSplit ? Validation : Test;

    public string TrainingFolds => $"folds {Training[0]}–{Training[^1]}";
    public string ScoringFolds => $"folds {Scoring[0]}–{Scoring[^1]}";
}

/// <summary>
/// Splits LFW for a federation (<see cref="FoldSplit"/>): the training people are dealt to sites with no person at two
/// sites; scoring uses the pairs of the other folds.
/// </summary>
public static class LfwPartition
{
    public static IReadOnlyList<IReadOnlyList<LabelledImage>> DealSites(IReadOnlyList<LfwPair> pairs, SimulatorOptions options)
    {
        FoldSplit split = FoldSplit.For(options);
        var scoredPeople = PeopleOf(pairs.Where(p => split.Scoring.Contains(p.Fold)));
        string[] eligible = PeopleOf(pairs.Where(p => split.Training.Contains(p.Fold)))
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
            throw new InvalidOperationException($"only {eligible.Length} people of {split.TrainingFolds} have {options.MinImagesPerPerson}+ images; cannot fill {options.Sites} sites");
        }
        int[] siteOfPerson = SiteSizes.Deal(eligible.Length, options.Sites, options.Partition, random);
        var sites = Enumerable.Range(0, options.Sites).Select(_ => new List<LabelledImage>()).ToArray();
        for (int i = 0; i < eligible.Length; i++)
        {
            sites[siteOfPerson[i]].AddRange(ImagesOf(eligible[i]).Take(options.MaxImagesPerPerson).Select(path => new LabelledImage(path, eligible[i])));
        }
        return sites;
    }

    /// <summary>The held-out pairs: the split's scoring folds, optionally the first N matched and N mismatched of each.</summary>
    public static IReadOnlyList<LfwPair> ScoringPairs(IReadOnlyList<LfwPair> pairs, FoldSplit split, int pairsPerFold)
    {
        return pairs.Where(p => split.Scoring.Contains(p.Fold))
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
