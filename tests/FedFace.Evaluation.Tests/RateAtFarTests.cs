using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests;

public sealed class RateAtFarTests
{
    [Fact]
    public void A_far_needs_at_least_one_over_far_impostors()
    {
        Assert.Equal(1_000, FarSupport.MinImpostors(1e-3));
        Assert.Equal(1_000_000, FarSupport.MinImpostors(1e-6));
        Assert.Equal(3, FarSupport.MinImpostors(0.4)); // ⌈2.5⌉
        Assert.True(FarSupport.IsSupported(1e-3, 1_000));
        Assert.False(FarSupport.IsSupported(1e-3, 999));
        Assert.Equal("needs ≥ 10,000 impostor pairs, has 1,805", FarSupport.Unsupported(1e-4, 1_805));
        Assert.Null(FarSupport.Unsupported(1e-3, 1_805));
    }

    [Fact]
    public void An_all_pairs_point_the_impostors_cannot_support_has_no_rate_but_keeps_its_counts()
    {
        // The case: 1,805 impostor pairs, where every target below 1/1,805 gave "100.00%".
        var result = new AllPairsResult(100, 200, 1_805,
        [
            new AllPairsTarAtFar(1e-3, 0.5f, 1, 1.0 / 1_805, 150, 0.75),
            new AllPairsTarAtFar(1e-4, 0.7f, 0, 0, 200, 1.0),
        ]);

        IReadOnlyList<RateAtFar> points = RateAtFar.FromAllPairs(result);

        Assert.Equal(new RateAtFar(1e-3, 1_805, 0.75, Math.Sqrt(0.75 * 0.25 / 200), 150, 200, 0.5f, 1, null), points[0]);
        Assert.Equal(new RateAtFar(1e-4, 1_805, null, null, null, 200, null, null, "needs ≥ 10,000 impostor pairs, has 1,805"), points[1]);
    }

    [Fact]
    public void Open_set_rates_are_measured_on_the_strangers()
    {
        var result = new IdentificationResult(3, 6, 1, 1, 1, [new DirAtFar(1e-3, 0.4f, 0, 0, 6, 1)]);

        RateAtFar point = Assert.Single(RateAtFar.FromOpenSet(result));

        Assert.Null(point.Rate);
        Assert.Equal("needs ≥ 1,000 strangers, has 1", point.NotSupported);
    }

    [Fact]
    public void K_fold_tar_is_supported_only_when_the_fold_with_fewest_impostors_is()
    {
        // Two folds of one genuine and 300 / 299 impostor pairs (LFW has 300 per fold).
        var scores = new List<double>();
        var same = new List<bool>();
        var folds = new List<int>();
        foreach ((int fold, int impostors) in new[] { (1, 300), (2, 299) })
        {
            scores.Add(0.9);
            same.Add(true);
            folds.Add(fold);
            for (int i = 0; i < impostors; i++)
            {
                scores.Add(i / 1000.0);
                same.Add(false);
                folds.Add(fold);
            }
        }

        KFoldRateAtFar atOnePercent = KFoldRateAtFar.From(VerificationEvaluator.KFoldTarAtFar(scores, same, folds, 1e-2));
        KFoldRateAtFar atOnePerThousand = KFoldRateAtFar.From(VerificationEvaluator.KFoldTarAtFar(scores, same, folds, 1e-3));

        Assert.Equal(new KFoldRateAtFar(1e-2, 2, 299, 2, 1.0, 0.0, null), atOnePercent);
        Assert.Equal(new KFoldRateAtFar(1e-3, 2, 299, 2, null, null, "needs ≥ 1,000 impostor pairs per fold, has 299"), atOnePerThousand);
    }
}
