using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Core.Tests;

public class UpdateValidatorTests
{
    private static readonly ModelState s_layout = new([NamedTensor.Zeros("conv.weight", [4, 3]), NamedTensor.Zeros("bn.bias", [4])]);

    private static List<TensorSpec> CorrectSpecs() => TensorWire.Specs(s_layout).ToList();

    private static Rejection? Check(IReadOnlyList<TensorSpec> specs, long? dataBytes = null, long examples = 10, long maxExampleCount = 1_000_000) =>
        UpdateValidator.CheckDeclaredLayout(specs, dataBytes ?? s_layout.DataBytes, examples, maxExampleCount, s_layout);

    [Fact]
    public void A_correct_layout_is_accepted()
    {
        Assert.Null(Check(CorrectSpecs()));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-3L)]
    public void A_non_positive_example_count_is_rejected(long examples)
    {
        Rejection? rejection = Check(CorrectSpecs(), examples: examples);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.BadExampleCount, rejection.Code);
        Assert.Contains(examples.ToString(System.Globalization.CultureInfo.InvariantCulture), rejection.Reason);
    }

    [Theory]
    [InlineData(1_000_001L)]
    [InlineData(9_000_000_000_000_000_000L)]
    public void An_example_count_above_the_limit_is_rejected_naming_both(long examples)
    {
        Rejection? rejection = Check(CorrectSpecs(), examples: examples);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.BadExampleCount, rejection.Code);
        Assert.Contains($"declares {examples} examples, more than the 1000000", rejection.Reason);
    }

    [Fact]
    public void An_example_count_at_the_limit_is_accepted()
    {
        Assert.Null(Check(CorrectSpecs(), examples: 1_000_000));
    }

    [Fact]
    public void A_tensor_declared_twice_is_malformed()
    {
        List<TensorSpec> specs = CorrectSpecs();
        specs.Add(specs[1].Clone());
        Rejection? rejection = Check(specs);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.Malformed, rejection.Code);
        Assert.Contains("'bn.bias'", rejection.Reason);
        Assert.Contains("twice", rejection.Reason);
    }

    [Fact]
    public void A_tensor_outside_the_shared_model_is_unknown()
    {
        // E.g. the site's private ArcFace head, which must never leave the site.
        List<TensorSpec> specs = CorrectSpecs();
        specs.Add(new TensorSpec { Name = "arcface.head", Shape = { 4, 512 }, DataType = DataType.Float32 });
        Rejection? rejection = Check(specs);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.UnknownTensor, rejection.Code);
        Assert.Contains("'arcface.head'", rejection.Reason);
    }

    [Fact]
    public void A_tensor_that_is_not_float32_is_malformed()
    {
        List<TensorSpec> specs = CorrectSpecs();
        specs[0].DataType = DataType.Unspecified;
        Rejection? rejection = Check(specs);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.Malformed, rejection.Code);
        Assert.Contains("'conv.weight'", rejection.Reason);
        Assert.Contains("float32", rejection.Reason);
    }

    [Theory]
    [InlineData(new long[] { 3, 4 })]
    [InlineData(new long[] { 12 })]
    [InlineData(new long[] { 4, 3, 1 })]
    [InlineData(new long[] { })]
    public void A_tensor_with_another_shape_is_rejected_with_both_shapes(long[] shape)
    {
        List<TensorSpec> specs = CorrectSpecs();
        specs[0].Shape.Clear();
        specs[0].Shape.Add(shape);
        Rejection? rejection = Check(specs);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.WrongShape, rejection.Code);
        Assert.Contains("'conv.weight'", rejection.Reason);
        Assert.Contains($"[{string.Join(", ", shape)}]", rejection.Reason);
        Assert.Contains("[4, 3]", rejection.Reason);
    }

    [Fact]
    public void A_missing_tensor_is_rejected_by_name()
    {
        List<TensorSpec> specs = CorrectSpecs();
        specs.RemoveAt(1);
        Rejection? rejection = Check(specs, dataBytes: 12 * sizeof(float));
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.MissingTensor, rejection.Code);
        Assert.Contains("'bn.bias'", rejection.Reason);
    }

    [Fact]
    public void An_empty_declaration_is_missing_tensors()
    {
        Assert.Equal(RejectionCode.MissingTensor, Check([], dataBytes: 0)?.Code);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(60L)]
    [InlineData(68L)]
    [InlineData(long.MaxValue)]
    [InlineData(-64L)]
    public void Declared_data_bytes_that_differ_from_the_model_are_malformed(long dataBytes)
    {
        Assert.Equal(64, s_layout.DataBytes);
        Rejection? rejection = Check(CorrectSpecs(), dataBytes: dataBytes);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.Malformed, rejection.Code);
        Assert.Contains(dataBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), rejection.Reason);
        Assert.Contains("64", rejection.Reason);
    }

    [Fact]
    public void Rejection_text_has_code_and_reason()
    {
        Assert.Equal("Malformed: bad", new Rejection(RejectionCode.Malformed, "bad").ToString());
    }

    /// <summary>
    /// NaN and ±Inf, and finite values too large to weigh and sum: the issue's 3e38 is finite, but 18 examples' weight
    /// makes it +Inf in the round's sum.
    /// </summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(3e38f)]
    [InlineData(float.MaxValue)]
    [InlineData(-2e12f)]
    [InlineData(1.0001e12f)]
    public void A_value_that_is_not_finite_or_too_large_to_sum_is_found_with_its_tensor_and_index(float poison)
    {
        ModelState delta = Models.Random(1, 1f, ("a", [50]), ("b", [10, 10]));
        delta["b"].Values[37] = poison;
        Rejection? rejection = UpdateValidator.CheckFinite(delta);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.NonFinite, rejection.Code);
        Assert.StartsWith(FormattableString.Invariant($"tensor 'b' holds {poison} at element 37"), rejection.Reason);
        Assert.Equal(float.IsFinite(poison), rejection.Reason.Contains("beyond the ±1E+12", StringComparison.Ordinal));
    }

    [Fact]
    public void The_first_non_finite_value_is_reported()
    {
        ModelState delta = Models.Random(1, 1f, ("a", [100]));
        delta["a"].Values[90] = float.NaN;
        delta["a"].Values[12] = float.PositiveInfinity;
        Assert.Contains("element 12", UpdateValidator.CheckFinite(delta)?.Reason);
    }

    [Fact]
    public void Positive_and_negative_infinity_together_are_found()
    {
        // +Inf + −Inf sums to NaN, which must not slip through either.
        var delta = new ModelState([new NamedTensor("a", [3], [1f, float.PositiveInfinity, float.NegativeInfinity])]);
        Assert.Contains("element 1", UpdateValidator.CheckFinite(delta)?.Reason);
    }

    [Fact]
    public void The_largest_element_an_update_may_hold_cannot_overflow_the_sum_at_the_largest_weight()
    {
        double worstTerm = (double)UpdateValidator.MaxElementMagnitude * UpdateValidator.MaxExampleCountLimit;
        Assert.True(worstTerm * 1e17 < float.MaxValue, "a hundred quadrillion sites at the limits would overflow the float sum");
        var delta = new ModelState([new NamedTensor("edge", [2], [UpdateValidator.MaxElementMagnitude, -UpdateValidator.MaxElementMagnitude])]);
        Assert.Null(UpdateValidator.CheckFinite(delta));
    }

    [Fact]
    public void Finite_values_whose_sum_overflows_are_rejected_at_the_first_of_them()
    {
        var values = Enumerable.Repeat(float.MaxValue * 0.75f, 64).ToArray();
        var delta = new ModelState([NamedTensor.Zeros("ok", [3]), new NamedTensor("huge", [64], values)]);
        Rejection? rejection = UpdateValidator.CheckFinite(delta);
        Assert.NotNull(rejection);
        Assert.Equal(RejectionCode.NonFinite, rejection.Code);
        Assert.Contains("tensor 'huge' holds", rejection.Reason);
        Assert.Contains("at element 0, beyond", rejection.Reason);
    }

    [Fact]
    public void A_pretrained_models_BatchNorm_variance_moving_by_millions_is_accepted()
    {
        // Seen from an honest site fine-tuning the pretrained MobileFaceNet: refused as NonFinite under a 1e6 bound.
        var delta = new ModelState([new NamedTensor("features.1.conv.0.1.running_var", [2], [1_434_302.9f, -3.5f])]);
        Assert.Null(UpdateValidator.CheckFinite(delta));
    }

    [Fact]
    public void Finite_values_are_accepted()
    {
        var delta = new ModelState([
            NamedTensor.Zeros("empty", [0]),
            new NamedTensor("extremes", [5], [1e12f, -1e12f, float.Epsilon, -0f, 1e-30f]),
            Models.Random(2, 1e3f, ("random", [1000])).Tensors[0],
        ]);
        Assert.Null(UpdateValidator.CheckFinite(delta));
    }
}
