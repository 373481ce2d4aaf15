using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

public sealed class RunningStatisticsTests
{
    [Fact]
    public void A_variance_pushed_below_zero_is_clamped_and_nothing_else_changes()
    {
        var model = new ModelState([
            new NamedTensor("bn.running_var", [3], [0.5f, -0.2f, 1f]),
            new NamedTensor("bn.running_mean", [3], [-1f, -2f, 0f]),
            new NamedTensor("conv.weight", [2], [-3f, 4f]),
        ]);

        ModelState valid = RunningStatistics.WithValidVariances(model);

        Assert.Equal([0.5f, 0f, 1f], valid["bn.running_var"].Values);
        Assert.Equal([-1f, -2f, 0f], valid["bn.running_mean"].Values); // a mean may be negative
        Assert.Equal([-3f, 4f], valid["conv.weight"].Values);
    }

    [Fact]
    public void A_model_with_valid_variances_is_returned_as_it_is()
    {
        var model = new ModelState([new NamedTensor("bn.running_var", [2], [0f, 2f])]);
        Assert.Same(model, RunningStatistics.WithValidVariances(model));
    }
}
