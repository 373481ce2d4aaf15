using FedFace.Evaluation;

namespace FedFace.Evaluation.Tests;

public sealed class PairedAccuracyChangeTests
{
    [Fact]
    public void Counts_fixed_and_broken_pairs_and_takes_the_standard_error_of_their_mean_move()
    {
        // 100 pairs: 6 fixed, 2 broken, 80 right both times, 12 wrong both times. Moves: six +1, two −1, 92 zeros;
        // mean 0.04; Σ(d − 0.04)² = 8 − 100 · 0.04² = 7.84; SE = √(7.84 / 99 / 100).
        bool[] before = [.. Repeat(false, 6), .. Repeat(true, 2), .. Repeat(true, 80), .. Repeat(false, 12)];
        bool[] after = [.. Repeat(true, 6), .. Repeat(false, 2), .. Repeat(true, 80), .. Repeat(false, 12)];

        PairedAccuracyChange change = PairedAccuracyChange.Between(before, after);

        Assert.Equal((6, 2, 100), (change.Fixed, change.Broken, change.Pairs));
        Assert.Equal(0.04, change.Gain, 12);
        Assert.Equal(Math.Sqrt(7.84 / 99 / 100), change.StandardError, 12);
        Assert.Equal(0.04 / Math.Sqrt(7.84 / 99 / 100), change.StandardErrors, 9);
    }

    [Fact]
    public void Is_zero_with_no_error_when_no_pair_moved()
    {
        bool[] same = [true, false, true, true];

        PairedAccuracyChange change = PairedAccuracyChange.Between(same, same);

        Assert.Equal((0.0, 0.0, 0.0), (change.Gain, change.StandardError, change.StandardErrors));
    }

    [Fact]
    public void Refuses_lists_of_different_pairs()
    {
        var error = Assert.Throws<ArgumentException>(() => PairedAccuracyChange.Between([true, false, true], [true, false]));
        Assert.Contains("3 and 2 pairs", error.Message);
    }

    [Fact]
    public void The_correct_pairs_of_a_k_fold_result_average_to_its_accuracy()
    {
        var random = new Random(3);
        int n = 600;
        bool[] same = Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray();
        double[] scores = same.Select(s => random.NextDouble() + (s ? 0.5 : 0)).ToArray();
        int[] folds = Enumerable.Range(0, n).Select(i => 6 + i % 5).ToArray();
        VerificationResult result = VerificationEvaluator.KFoldAccuracy(scores, same, folds);

        bool[] correct = VerificationEvaluator.CorrectPairs(scores, same, folds, result);

        Assert.Equal(result.MeanAccuracy, correct.Count(c => c) / (double)n, 12);
        for (int k = 0; k < 5; k++)
        {
            int[] fold = Enumerable.Range(0, n).Where(i => folds[i] == 6 + k).ToArray();
            Assert.Equal(result.FoldAccuracies[k], fold.Count(i => correct[i]) / (double)fold.Length, 12);
        }
    }

    private static IEnumerable<bool> Repeat(bool value, int count) => Enumerable.Repeat(value, count);
}
