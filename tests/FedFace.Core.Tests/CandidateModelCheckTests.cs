using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

public class CandidateModelCheckTests
{
    private static readonly ModelState s_current = new([new NamedTensor("w", [2, 2], [3f, 0f, 0f, 4f]), new NamedTensor("bn.running_var", [1], [0f])]);

    private static ModelState Moved(float by, int index = 0, string tensor = "w")
    {
        ModelState next = s_current.Clone();
        next[tensor].Values[index] += by;
        return next;
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_candidate_is_refused_naming_the_element(float poison)
    {
        string? problem = CandidateModelCheck.Problem(s_current, Moved(poison, 3), maxChangeRatio: 1e30);
        Assert.NotNull(problem);
        Assert.Contains(FormattableString.Invariant($"it is not finite: tensor 'w' holds {poison} at element 3"), problem);
    }

    [Fact]
    public void A_change_within_the_ratio_of_the_current_norm_is_accepted()
    {
        // ‖current‖ = 5; a ratio of 2 allows a change of norm 10.
        Assert.Null(CandidateModelCheck.Problem(s_current, Moved(10f), maxChangeRatio: 2));
    }

    [Fact]
    public void A_change_beyond_the_ratio_of_the_current_norm_is_refused_with_both_norms()
    {
        string? problem = CandidateModelCheck.Problem(s_current, Moved(10.01f), maxChangeRatio: 2);
        Assert.NotNull(problem);
        Assert.Contains("model change norm 10.01 exceeds the 10 a round may move it (2 × the current weights' norm 5)", problem);
    }

    [Fact]
    public void Running_statistics_are_measured_not_stepped_and_may_move_far_but_never_to_a_non_finite_value()
    {
        // A model trained from scratch moves its BatchNorm variances by hundreds in one round (the demo's first rounds).
        Assert.Null(CandidateModelCheck.Problem(s_current, Moved(600f, tensor: "bn.running_var"), maxChangeRatio: 2));
        Assert.NotNull(CandidateModelCheck.Problem(s_current, Moved(float.PositiveInfinity, tensor: "bn.running_var"), maxChangeRatio: 2));
    }

    [Fact]
    public void A_model_of_zeros_may_still_move_by_the_ratio()
    {
        var zeros = new ModelState([NamedTensor.Zeros("w", [3])]);
        var next = new ModelState([new NamedTensor("w", [3], [0.5f, 0f, 0f])]);
        Assert.Null(CandidateModelCheck.Problem(zeros, next, maxChangeRatio: 1));
        Assert.NotNull(CandidateModelCheck.Problem(zeros, next, maxChangeRatio: 0.4));
    }

    [Fact]
    public void The_change_norm_is_summed_in_double_without_overflow()
    {
        var current = new ModelState([NamedTensor.Zeros("w", [2])]);
        var next = new ModelState([new NamedTensor("w", [2], [3e38f, 3e38f])]);
        Assert.Equal(Math.Sqrt(2) * 3e38, CandidateModelCheck.ChangeNorm(current, next), 1e32);
    }
}
