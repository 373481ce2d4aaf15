using FedFace.Aggregator.Strategies.Robust;
using FedFace.Core;

namespace FedFace.Aggregator.Tests.Robust;

/// <summary>The robust rules on crafted updates of one three-coordinate tensor: outliers, ties and too few updates.</summary>
public sealed class RobustRuleTests
{
    private static ModelState Update(params float[] values) => new([new NamedTensor("w", [values.Length], values)]);

    private static float[] Values(ModelState state) => state["w"].Values;

    [Fact]
    public void The_median_takes_each_coordinates_middle_value_so_one_huge_update_does_not_move_it()
    {
        ModelState combined = new CoordinateMedianRule(byzantineSites: 1).Combine(
            [Update(1, 10, -3), Update(2, 20, -2), Update(-1000, 1e6f, 5), Update(3, 30, -1), Update(4, 40, 1e9f)]);

        Assert.Equal([2f, 30f, -1f], Values(combined));
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_two_middle_values_and_ties_are_kept()
    {
        ModelState combined = new CoordinateMedianRule(byzantineSites: 1).Combine(
            [Update(1, 7, 0), Update(2, 7, 0), Update(3, 7, 0), Update(100, 7, 9)]);

        Assert.Equal([2.5f, 7f, 0f], Values(combined));
    }

    [Fact]
    public void The_trimmed_mean_drops_the_f_largest_and_f_smallest_values_of_each_coordinate()
    {
        ModelState combined = new TrimmedMeanRule(byzantineSites: 1).Combine(
            [Update(1, 5, 2), Update(2, 5, 2), Update(3, 5, 2), Update(-1e6f, 5, 2), Update(1e6f, 5, 2)]);

        Assert.Equal([2f, 5f, 2f], Values(combined));
    }

    [Fact]
    public void Multi_krum_averages_the_updates_nearest_each_other_and_leaves_out_the_far_ones()
    {
        var rule = new MultiKrumRule(byzantineSites: 2, selected: 0);
        ModelState combined = rule.Combine(
            [Update(1, 1, 1), Update(-10, -10, -10), Update(1.1f, 1, 1), Update(0.9f, 1, 1), Update(1, 1.1f, 1), Update(1, 0.9f, 1), Update(50, 0, 0)]);

        Assert.Equal([0, 2, 3, 4, 5], rule.LastSelection.Order());
        Assert.Equal([1f, 1f, 1f], Values(combined), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Multi_krum_breaks_ties_between_identical_updates_by_their_order_so_the_choice_repeats()
    {
        var rule = new MultiKrumRule(byzantineSites: 1, selected: 2);
        rule.Combine([Update(9, 9, 9), Update(1, 1, 1), Update(1, 1, 1), Update(1, 1, 1), Update(1, 1, 1)]);

        Assert.Equal([1, 2], rule.LastSelection);
    }

    [Theory]
    [InlineData("median", 2, 4, "median with f = 2 byzantine sites needs at least 2f + 1 = 5 updates, got 4")]
    [InlineData("trimmed-mean", 1, 2, "trimmed-mean with f = 1 byzantine sites needs at least 2f + 1 = 3 updates, got 2")]
    [InlineData("multi-krum", 1, 4, "multi-krum with f = 1 byzantine sites needs at least 2f + 3 = 5 updates, got 4")]
    public void Too_few_updates_for_the_rules_f_are_refused_with_the_reason(string name, int f, int count, string reason)
    {
        IRobustRule rule = new AggregationSettings { Rule = name, ByzantineSites = f }.CreateRule()!;

        Assert.Equal(reason, rule.RefusalFor(count));
        var refused = Assert.Throws<ArgumentException>(() => rule.Combine([.. Enumerable.Range(0, count).Select(i => Update(i, i, i))]));
        Assert.StartsWith(reason, refused.Message, StringComparison.Ordinal);
        Assert.Null(rule.RefusalFor(count + 1));
    }

    [Fact]
    public void Multi_krum_refuses_to_average_more_updates_than_may_all_be_honest()
    {
        Assert.Equal("multi-krum averages m = 5 updates, more than the n − f = 4 of 5 updates that may all be honest",
            new MultiKrumRule(byzantineSites: 1, selected: 5).RefusalFor(5));
    }
}
