using FedFace.Evaluation;

namespace FedFace.Evaluation.Tests;

public sealed class VerificationEvaluatorTests
{
    [Fact]
    public void Reproduces_the_accuracy_of_a_constructed_score_set()
    {
        // 10 folds of 10 same (score 0.9) and 10 different (score 0.1) pairs; in fold f, f mod 3 of the same pairs
        // score 0.05 instead, below every different pair. Any threshold in (0.1, 0.9) makes only those errors, and a
        // threshold below 0.1 would also call all 90 training "different" pairs "same", so every fold is scored
        // with a threshold of 0.5 and gets (20 − f mod 3) / 20.
        var scores = new List<double>();
        var same = new List<bool>();
        var folds = new List<int>();
        for (int fold = 1; fold <= 10; fold++)
        {
            for (int k = 0; k < 10; k++)
            {
                Add(k < fold % 3 ? 0.05 : 0.9, true, fold);
                Add(0.1, false, fold);
            }
        }

        VerificationResult result = VerificationEvaluator.KFoldAccuracy(scores, same, folds);

        double[] expected = Enumerable.Range(1, 10).Select(f => (20.0 - f % 3) / 20.0).ToArray();
        Assert.Equal(expected, result.FoldAccuracies);
        Assert.All(result.Thresholds, t => Assert.Equal(0.5, t, 1e-12));
        // Errors per fold 1,2,0,1,2,0,1,2,0,1 (10 of 200): mean 0.95; four folds at 0.95, three at 0.90, three at
        // 1.00, so the population variance is 6 · 0.05² / 10 = 0.0015.
        Assert.Equal(0.95, result.MeanAccuracy, 12);
        Assert.Equal(Math.Sqrt(0.0015), result.StdAccuracy, 12);

        void Add(double score, bool isSame, int fold)
        {
            scores.Add(score);
            same.Add(isSame);
            folds.Add(fold);
        }
    }

    [Fact]
    public void Agrees_with_a_brute_force_search_on_random_scores_with_ties()
    {
        var random = new Random(7);
        int n = 400;
        bool[] same = Enumerable.Range(0, n).Select(_ => random.Next(2) == 1).ToArray();
        // Scores rounded to 0.05 so that many tie; same pairs score higher on average.
        double[] scores = same.Select(s => Math.Round((random.NextDouble() + (s ? 0.4 : 0)) * 20) / 20).ToArray();
        int[] folds = Enumerable.Range(0, n).Select(i => 1 + i % 5).ToArray();

        VerificationResult result = VerificationEvaluator.KFoldAccuracy(scores, same, folds);

        for (int fold = 1; fold <= 5; fold++)
        {
            int[] train = Enumerable.Range(0, n).Where(i => folds[i] != fold).ToArray();
            int[] test = Enumerable.Range(0, n).Where(i => folds[i] == fold).ToArray();
            int Correct(int[] set, double t) => set.Count(i => scores[i] > t == same[i]);
            // Every distinct score (and one below them all) as a threshold covers every possible split.
            int bestTrain = scores.Distinct().Append(-1).Max(t => Correct(train, t));
            double chosen = result.Thresholds[fold - 1];
            Assert.Equal(bestTrain, Correct(train, chosen));
            Assert.Equal((double)Correct(test, chosen) / test.Length, result.FoldAccuracies[fold - 1], 12);
        }
    }

    [Fact]
    public void Tar_at_far_takes_each_fold_threshold_from_that_fold_impostors()
    {
        // Fold 1: ten impostors 0.1 … 1.0; FAR 0.2 allows two false accepts, so the threshold is the third highest
        // impostor, 0.8, and two of the four genuine pairs (0.95, 0.85) are above it. Fold 2: the three highest
        // impostors tie at 0.5, so the threshold is 0.5, no impostor is above it, and one genuine pair (0.6) of four is.
        var scores = new List<double>();
        var same = new List<bool>();
        var folds = new List<int>();
        void Add(int fold, bool isSame, params double[] values)
        {
            scores.AddRange(values);
            same.AddRange(values.Select(_ => isSame));
            folds.AddRange(values.Select(_ => fold));
        }
        Add(1, false, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0);
        Add(1, true, 0.95, 0.85, 0.75, 0.65);
        Add(2, false, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1, -0.2);
        Add(2, true, 0.6, 0.5, 0.45, 0.3);

        TarAtFarResult result = VerificationEvaluator.KFoldTarAtFar(scores, same, folds, targetFar: 0.2);

        Assert.Equal([0.8, 0.5], result.FoldThresholds);
        Assert.Equal([0.5, 0.25], result.FoldTars);
        Assert.Equal([0.2, 0.0], result.FoldFars);
        Assert.Equal(0.375, result.MeanTar, 12);
        Assert.Equal(0.125, result.StdTar, 12);
        Assert.Equal(0.2, result.TargetFar);
    }

    [Fact]
    public void Rejects_mismatched_lengths_and_a_single_fold()
    {
        Assert.Throws<ArgumentException>(() => VerificationEvaluator.KFoldAccuracy([0.1, 0.2], [true], [1, 2]));
        Assert.Throws<ArgumentException>(() => VerificationEvaluator.KFoldAccuracy([0.1, 0.2], [true, false], [1, 1]));
        Assert.Throws<ArgumentException>(() => VerificationEvaluator.KFoldAccuracy([double.NaN, 0.2], [true, false], [1, 2]));
        Assert.Throws<ArgumentException>(() => VerificationEvaluator.KFoldTarAtFar([0.1, 0.2], [true, true], [1, 2], 1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => VerificationEvaluator.KFoldTarAtFar([0.1, 0.2, 0.3, 0.4], [true, false, true, false], [1, 1, 2, 2], 0));
    }
}
