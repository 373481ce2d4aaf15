using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

public class FedAvgAccumulatorTests
{
    private static readonly (string, long[])[] s_layout = [("conv.weight", [16, 3, 3, 3]), ("bn.bias", [16]), ("fc.weight", [10, 37])];

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 5)]
    [InlineData(3, 12)]
    public void Weighted_mean_equals_the_example_weighted_average_computed_in_double(int seed, int siteCount)
    {
        var random = new Random(seed);
        ModelState layout = Models.Random(seed, 1f, s_layout);
        var deltas = new List<(ModelState Delta, long Examples)>();
        for (int i = 0; i < siteCount; i++)
        {
            // Different magnitudes per site so a wrong weighting cannot hide behind similar values.
            float scale = (float)Math.Pow(10, random.Next(-3, 2));
            deltas.Add((Models.Random(seed * 100 + i, scale, s_layout), random.Next(1, 5000)));
        }

        var accumulator = new FedAvgAccumulator(layout);
        foreach ((ModelState delta, long examples) in deltas)
        {
            accumulator.Fold(delta, examples);
        }
        ModelState mean = accumulator.WeightedMean();

        double total = deltas.Sum(d => (double)d.Examples);
        Assert.Equal(layout.Tensors.Select(t => t.Name), mean.Tensors.Select(t => t.Name));
        foreach (NamedTensor tensor in mean.Tensors)
        {
            Assert.Equal(layout[tensor.Name].Shape, tensor.Shape);
            for (int e = 0; e < tensor.Values.Length; e++)
            {
                double expected = deltas.Sum(d => d.Examples * (double)d.Delta[tensor.Name].Values[e]) / total;
                // Relative to the size of the terms summed, the honest bound for float32 accumulation.
                double magnitude = deltas.Sum(d => d.Examples * Math.Abs((double)d.Delta[tensor.Name].Values[e])) / total;
                double error = Math.Abs(tensor.Values[e] - expected);
                Assert.True(error <= 1e-6 * magnitude + 1e-30,
                    $"{tensor.Name}[{e}]: got {tensor.Values[e]}, expected {expected} (error {error:g3}, magnitude {magnitude:g3})");
            }
        }
        Assert.Equal(siteCount, accumulator.UpdateCount);
        Assert.Equal((long)total, accumulator.TotalExamples);
    }

    [Fact]
    public void Weighted_mean_weights_by_example_count_not_by_site()
    {
        var layout = new ModelState([NamedTensor.Zeros("w", [2])]);
        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [4f, -1f])]), 1);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [8f, 3f])]), 3);
        // (1·4 + 3·8)/4 = 7, (1·−1 + 3·3)/4 = 2; an unweighted mean would give 6 and 1.
        Assert.Equal([7f, 2f], accumulator.WeightedMean()["w"].Values);
    }

    [Fact]
    public void Uniform_weighting_averages_the_sites_alike_and_still_counts_their_examples()
    {
        var layout = new ModelState([NamedTensor.Zeros("w", [2])]);
        var accumulator = new FedAvgAccumulator(layout, UpdateWeighting.Uniform);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [4f, -1f])]), 1);
        accumulator.Fold(new ModelState([new NamedTensor("w", [2], [8f, 3f])]), 3);

        Assert.Equal([6f, 1f], accumulator.WeightedMean()["w"].Values);
        Assert.Equal(4, accumulator.TotalExamples);
    }

    [Fact]
    public void The_released_sum_is_the_running_sum_itself_and_the_accumulator_takes_nothing_after_it()
    {
        var layout = new ModelState([NamedTensor.Zeros("w", [2])]);
        var accumulator = new FedAvgAccumulator(layout, UpdateWeighting.Uniform);
        var delta = new ModelState([new NamedTensor("w", [2], [4f, -1f])]);
        accumulator.Fold(delta, 10);
        accumulator.Fold(delta, 20);

        ModelState sum = accumulator.ReleaseSum();

        Assert.Equal([8f, -2f], sum["w"].Values);
        Assert.Throws<InvalidOperationException>(() => accumulator.Fold(delta, 1));
        Assert.Throws<InvalidOperationException>(() => accumulator.WeightedMean());
        Assert.Throws<InvalidOperationException>(() => accumulator.ReleaseSum());
        Assert.Equal(2, accumulator.UpdateCount);
    }

    [Fact]
    public void A_single_update_is_its_own_mean()
    {
        ModelState delta = Models.Random(7, 0.5f, s_layout);
        var accumulator = new FedAvgAccumulator(delta);
        accumulator.Fold(delta, 3);
        ModelState mean = accumulator.WeightedMean();
        foreach (NamedTensor tensor in delta.Tensors)
        {
            float[] got = mean[tensor.Name].Values;
            for (int i = 0; i < got.Length; i++)
            {
                Assert.Equal(tensor.Values[i], got[i], tolerance: Math.Abs(tensor.Values[i]) * 1e-6f);
            }
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void Fold_rejects_an_example_count_that_is_not_positive(long examples)
    {
        ModelState delta = Models.Random(1, 1f, s_layout);
        var accumulator = new FedAvgAccumulator(delta);
        Assert.Throws<ArgumentOutOfRangeException>(() => accumulator.Fold(delta, examples));
        Assert.Equal(0, accumulator.UpdateCount);
        Assert.Equal(0, accumulator.TotalExamples);
    }

    [Fact]
    public void Weighted_mean_before_any_fold_throws()
    {
        var accumulator = new FedAvgAccumulator(Models.Random(1, 1f, s_layout));
        var error = Assert.Throws<InvalidOperationException>(() => accumulator.WeightedMean());
        Assert.Contains("no update", error.Message);
    }

    [Fact]
    public void A_rejected_fold_leaves_the_mean_unchanged()
    {
        var layout = new ModelState([NamedTensor.Zeros("a", [2]), NamedTensor.Zeros("b", [1])]);
        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(new ModelState([new NamedTensor("a", [2], [1f, 2f]), new NamedTensor("b", [1], [3f])]), 1);

        var missingB = new ModelState([new NamedTensor("a", [2], [100f, 100f])]);
        var error = Assert.Throws<ArgumentException>(() => accumulator.Fold(missingB, 5));
        Assert.Contains("'b'", error.Message);
        var wrongShape = new ModelState([new NamedTensor("a", [2], [100f, 100f]), new NamedTensor("b", [2], [100f, 100f])]);
        Assert.Throws<ArgumentException>(() => accumulator.Fold(wrongShape, 5));

        Assert.Equal(1, accumulator.UpdateCount);
        Assert.Equal(1, accumulator.TotalExamples);
        ModelState mean = accumulator.WeightedMean();
        Assert.Equal([1f, 2f], mean["a"].Values);
        Assert.Equal([3f], mean["b"].Values);
    }

    [Fact]
    public void Folding_reads_but_never_modifies_the_layout_or_the_deltas()
    {
        ModelState layout = Models.Random(1, 1f, s_layout);
        ModelState delta = Models.Random(2, 1f, s_layout);
        string layoutHash = layout.ComputeSha256Hex();
        string deltaHash = delta.ComputeSha256Hex();

        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(delta, 4);
        accumulator.Fold(delta, 2);
        accumulator.WeightedMean();

        Assert.Equal(layoutHash, layout.ComputeSha256Hex());
        Assert.Equal(deltaHash, delta.ComputeSha256Hex());
    }

    [Fact]
    public void Weighted_mean_returns_a_copy_and_folding_can_continue_after_it()
    {
        var layout = new ModelState([NamedTensor.Zeros("w", [1])]);
        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(new ModelState([new NamedTensor("w", [1], [2f])]), 1);
        ModelState first = accumulator.WeightedMean();
        first["w"].Values[0] = 1000f;

        accumulator.Fold(new ModelState([new NamedTensor("w", [1], [5f])]), 2);
        Assert.Equal([4f], accumulator.WeightedMean()["w"].Values);
        Assert.Equal(3, accumulator.TotalExamples);
        Assert.Equal(2, accumulator.UpdateCount);
    }

    [Fact]
    public void Tensors_only_in_the_delta_are_ignored()
    {
        var layout = new ModelState([NamedTensor.Zeros("w", [1])]);
        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(new ModelState([new NamedTensor("w", [1], [2f]), new NamedTensor("head", [1], [9f])]), 1);
        ModelState mean = accumulator.WeightedMean();
        Assert.Equal(["w"], mean.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void A_sum_that_arrives_already_weighted_counts_its_updates_and_examples_and_averages_with_the_folded_ones()
    {
        ModelState layout = Models.Random(1, 1f, s_layout);
        ModelState a = Models.Random(2, 0.1f, s_layout), b = Models.Random(3, 0.1f, s_layout), c = Models.Random(4, 0.1f, s_layout);
        var secureSum = new FedAvgAccumulator(layout);
        secureSum.Fold(b, 30);
        secureSum.Fold(c, 50);
        var weightedSum = new ModelState(secureSum.WeightedMean().Tensors.Select(t => new NamedTensor(t.Name, t.Shape, [.. t.Values.Select(v => v * 80)])));

        var accumulator = new FedAvgAccumulator(layout);
        accumulator.Fold(a, 20);
        accumulator.FoldWeightedSum(weightedSum, totalExamples: 80, updateCount: 2);
        var reference = new FedAvgAccumulator(layout);
        foreach ((ModelState delta, long examples) in new[] { (a, 20L), (b, 30L), (c, 50L) })
        {
            reference.Fold(delta, examples);
        }

        Assert.Equal((3, 100L), (accumulator.UpdateCount, accumulator.TotalExamples));
        ModelState expected = reference.WeightedMean(), actual = accumulator.WeightedMean();
        foreach (NamedTensor tensor in expected.Tensors)
        {
            for (int i = 0; i < tensor.Values.Length; i++)
            {
                Assert.Equal(tensor.Values[i], actual[tensor.Name].Values[i], 1e-6f);
            }
        }
    }

    [Fact]
    public void A_uniform_sum_from_a_secure_DP_round_weighs_each_update_once_and_cannot_join_a_round_weighted_by_examples()
    {
        ModelState layout = Models.Random(1, 1f, s_layout);
        ModelState a = Models.Random(2, 0.1f, s_layout), b = Models.Random(3, 0.1f, s_layout);
        var sum = new ModelState(a.Tensors.Select(t => new NamedTensor(t.Name, t.Shape, [.. t.Values.Zip(b[t.Name].Values, (x, y) => x + y)])));

        var uniform = new FedAvgAccumulator(layout, UpdateWeighting.Uniform);
        uniform.FoldUniformSum(sum, updateCount: 2, totalExamples: 70);

        Assert.Equal((2, 70L), (uniform.UpdateCount, uniform.TotalExamples));
        Assert.Equal(a["bn.bias"].Values.Zip(b["bn.bias"].Values, (x, y) => (x + y) / 2), uniform.WeightedMean()["bn.bias"].Values);
        var byExamples = new FedAvgAccumulator(layout);
        Assert.Throws<InvalidOperationException>(() => byExamples.FoldUniformSum(sum, updateCount: 2, totalExamples: 70));
        Assert.Throws<InvalidOperationException>(() => uniform.FoldWeightedSum(sum, totalExamples: 70, updateCount: 2));
    }

    [Fact]
    public void Folding_in_site_order_gives_the_same_bits_whatever_order_the_updates_arrive_in()
    {
        ModelState layout = Models.Random(3, 1f, s_layout);
        // Magnitudes apart by powers of ten, so float addition's rounding depends on the order.
        (string Site, ModelState Delta, long Examples)[] updates = Enumerable.Range(0, 6)
            .Select(i => ($"site-{i:D2}", Models.Random(40 + i, (float)Math.Pow(10, i % 4 - 2), s_layout), 17L + 13 * i)).ToArray();
        int[][] arrivals = [[0, 1, 2, 3, 4, 5], [5, 3, 1, 0, 4, 2], [2, 4, 0, 5, 1, 3]];

        ModelState MeanOf(int[] arrival, bool inSiteOrder)
        {
            var accumulator = new FedAvgAccumulator(layout, foldInSiteOrder: inSiteOrder);
            foreach (int i in arrival)
            {
                accumulator.Fold(updates[i].Delta, updates[i].Examples, updates[i].Site);
            }
            return accumulator.WeightedMean();
        }

        string[] inSiteOrder = arrivals.Select(a => MeanOf(a, inSiteOrder: true).ComputeSha256Hex()).ToArray();
        string[] asArrived = arrivals.Select(a => MeanOf(a, inSiteOrder: false).ComputeSha256Hex()).ToArray();

        Assert.Single(inSiteOrder.Distinct());
        Assert.Equal(asArrived[0], inSiteOrder[0]); // the site order is the first arrival order
        Assert.True(asArrived.Distinct().Count() > 1, "arrival order should change the float sum's last bits (why the option exists)");
    }

    [Fact]
    public void Folding_in_site_order_refuses_a_second_update_of_a_site_and_a_wrong_layout_when_it_arrives()
    {
        var layout = new ModelState([NamedTensor.Zeros("a", [2])]);
        var accumulator = new FedAvgAccumulator(layout, foldInSiteOrder: true);
        accumulator.Fold(new ModelState([new NamedTensor("a", [2], [1f, 2f])]), 1, "site-b");

        var twice = Assert.Throws<InvalidOperationException>(() => accumulator.Fold(new ModelState([new NamedTensor("a", [2], [5f, 5f])]), 1, "site-b"));
        Assert.Contains("site-b", twice.Message);
        Assert.Throws<ArgumentException>(() => accumulator.Fold(new ModelState([new NamedTensor("a", [3], [1f, 1f, 1f])]), 1, "site-c"));
        Assert.ThrowsAny<ArgumentException>(() => accumulator.Fold(new ModelState([new NamedTensor("a", [2], [1f, 1f])]), 1, siteId: null));
        accumulator.Fold(new ModelState([new NamedTensor("a", [2], [3f, 6f])]), 3, "site-a");

        Assert.Equal((2, 4L), (accumulator.UpdateCount, accumulator.TotalExamples));
        Assert.Equal([2.5f, 5f], accumulator.WeightedMean()["a"].Values);
    }
}
