namespace FedFace.Evaluation;

/// <summary>
/// The LFW protocol's figures for similarity scores (higher = more alike; a pair is called "same person" when its
/// score is above the threshold). Accuracy: for each fold the threshold that maximises accuracy on all other folds
/// is chosen, then applied to the held-out fold, so no fold is scored with a threshold it helped pick.
/// TAR@FAR: see <see cref="KFoldTarAtFar"/>.
/// </summary>
public static class VerificationEvaluator
{
    public static VerificationResult KFoldAccuracy(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson, IReadOnlyList<int> folds)
    {
        int[] foldIds = CheckFoldedScores(scores, samePerson, folds);
        var accuracies = new double[foldIds.Length];
        var thresholds = new double[foldIds.Length];
        for (int k = 0; k < foldIds.Length; k++)
        {
            int heldOut = foldIds[k];
            var train = Enumerable.Range(0, scores.Count).Where(i => folds[i] != heldOut).Select(i => (scores[i], samePerson[i]));
            thresholds[k] = BestThreshold(train.ToArray());
            int[] test = Enumerable.Range(0, scores.Count).Where(i => folds[i] == heldOut).ToArray();
            accuracies[k] = (double)test.Count(i => scores[i] > thresholds[k] == samePerson[i]) / test.Length;
        }
        (double mean, double std) = MeanAndStd(accuracies);
        return new VerificationResult(mean, std, accuracies, thresholds);
    }

    /// <summary>
    /// Which pairs <paramref name="result"/> (from <see cref="KFoldAccuracy"/> on the same pairs) calls right: each pair
    /// judged by the threshold its fold was scored with. Their mean over equal folds is the result's mean accuracy.
    /// </summary>
    public static bool[] CorrectPairs(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson, IReadOnlyList<int> folds, VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        int[] foldIds = CheckFoldedScores(scores, samePerson, folds);
        if (result.Thresholds.Count != foldIds.Length)
        {
            throw new ArgumentException($"the result has {result.Thresholds.Count} fold thresholds, the pairs {foldIds.Length} folds: it was not scored on these pairs", nameof(result));
        }
        var thresholdOf = foldIds.Select((fold, k) => (fold, k)).ToDictionary(f => f.fold, f => result.Thresholds[f.k]);
        return Enumerable.Range(0, scores.Count).Select(i => scores[i] > thresholdOf[folds[i]] == samePerson[i]).ToArray();
    }

    /// <summary>
    /// TAR at a target FAR, per fold and with no training: each fold's threshold comes from that fold's own impostor
    /// scores by <see cref="FarThreshold"/> (accept when score &gt; threshold; at most ⌊FAR·impostors⌋ of them above it),
    /// and the fold's TAR is the fraction of its genuine pairs above that threshold. Reported: per-fold TAR, threshold
    /// and achieved FAR, and the mean and population standard deviation of the TARs. With LFW's 300 impostors per
    /// fold a FAR of 1e-3 allows no false accept, so the threshold is the fold's highest impostor score.
    /// </summary>
    public static TarAtFarResult KFoldTarAtFar(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson, IReadOnlyList<int> folds, double targetFar)
    {
        int[] foldIds = CheckFoldedScores(scores, samePerson, folds);
        FarThreshold.CheckTargetFar(targetFar);
        var tars = new double[foldIds.Length];
        var fars = new double[foldIds.Length];
        var thresholds = new double[foldIds.Length];
        var genuineCounts = new int[foldIds.Length];
        var impostorCounts = new int[foldIds.Length];
        for (int k = 0; k < foldIds.Length; k++)
        {
            int[] fold = Enumerable.Range(0, scores.Count).Where(i => folds[i] == foldIds[k]).ToArray();
            double[] genuine = fold.Where(i => samePerson[i]).Select(i => scores[i]).ToArray();
            double[] impostors = fold.Where(i => !samePerson[i]).Select(i => scores[i]).ToArray();
            if (genuine.Length == 0 || impostors.Length == 0)
            {
                throw new ArgumentException($"fold {foldIds[k]} has {genuine.Length} genuine and {impostors.Length} impostor pairs; TAR@FAR needs both");
            }
            (genuineCounts[k], impostorCounts[k]) = (genuine.Length, impostors.Length);
            thresholds[k] = FarThreshold.ForImpostorScores(impostors, targetFar);
            tars[k] = (double)genuine.Count(s => s > thresholds[k]) / genuine.Length;
            fars[k] = (double)impostors.Count(s => s > thresholds[k]) / impostors.Length;
        }
        (double mean, double std) = MeanAndStd(tars);
        return new TarAtFarResult(targetFar, mean, std, tars, thresholds, fars, genuineCounts, impostorCounts);
    }

    /// <summary>Checks the three parallel lists and returns the distinct fold numbers in order.</summary>
    private static int[] CheckFoldedScores(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson, IReadOnlyList<int> folds)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(samePerson);
        ArgumentNullException.ThrowIfNull(folds);
        if (scores.Count != samePerson.Count || scores.Count != folds.Count)
        {
            throw new ArgumentException($"{scores.Count} scores, {samePerson.Count} labels and {folds.Count} fold numbers: they must match");
        }
        for (int i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new ArgumentException($"score {i} is {scores[i]}; scores must be finite", nameof(scores));
            }
        }
        int[] foldIds = folds.Distinct().Order().ToArray();
        if (foldIds.Length < 2)
        {
            throw new ArgumentException($"k-fold evaluation needs at least 2 folds, got {foldIds.Length}", nameof(folds));
        }
        return foldIds;
    }

    private static (double Mean, double Std) MeanAndStd(double[] values)
    {
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length));
    }

    /// <summary>
    /// The threshold with the most correct calls, in O(n log n): sort by score; a threshold between sorted
    /// positions i−1 and i calls the first i pairs "different" and the rest "same", so its correct count is the
    /// different pairs among the first i plus the same pairs among the rest, updated in O(1) per step.
    /// Candidates are the midpoints between distinct neighbouring scores and just below the lowest / just above
    /// the highest score (everything "same" / everything "different"). Ties go to the lowest threshold.
    /// </summary>
    internal static double BestThreshold((double Score, bool Same)[] pairs)
    {
        if (pairs.Length == 0)
        {
            throw new ArgumentException("no pairs to choose a threshold on");
        }
        Array.Sort(pairs, (a, b) => a.Score.CompareTo(b.Score));
        int correct = pairs.Count(p => p.Same); // threshold below every score: all called "same"
        int bestCorrect = correct;
        double best = Math.BitDecrement(pairs[0].Score);
        for (int i = 1; i <= pairs.Length; i++)
        {
            // Pair i−1 moves from "same" to "different".
            correct += pairs[i - 1].Same ? -1 : 1;
            bool atEnd = i == pairs.Length;
            if (!atEnd && pairs[i].Score == pairs[i - 1].Score)
            {
                continue; // no threshold separates equal scores
            }
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                best = atEnd ? Math.BitIncrement(pairs[i - 1].Score) : Midpoint(pairs[i - 1].Score, pairs[i].Score);
            }
        }
        return best;
    }

    /// <summary>A threshold t with low ≤ t &lt; high, so "score > t" separates them even for neighbouring doubles.</summary>
    private static double Midpoint(double low, double high)
    {
        double middle = low + (high - low) / 2;
        return middle < high ? middle : low;
    }
}
