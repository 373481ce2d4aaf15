using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class DeltaClippingTests
{
    private static ModelState Delta(params float[][] tensors) =>
        new(tensors.Select((values, i) => new NamedTensor($"t{i}", [values.Length], values)));

    private static double Norm(ModelState delta) => DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));

    [Fact]
    public void A_long_delta_is_scaled_to_the_clip_norm_without_turning()
    {
        ModelState delta = Models.Random(7, 1f, ("conv.weight", [64, 3, 3, 3]), ("bn.running_mean", [64]), ("fc.weight", [128, 512]));
        double before = Norm(delta);

        ClippedDelta clipped = DeltaClipping.Clip(delta, clipNorm: 1.5);

        Assert.True(clipped.Outcome.WasClipped);
        Assert.Equal(before, clipped.Outcome.NormBeforeClipping, 1e-9 * before);
        double after = Norm(clipped.Delta);
        Assert.InRange(after, 1.5 * (1 - 2e-6), 1.5);
        // Same direction: one common factor for every coordinate of every tensor.
        double scale = after / before;
        foreach ((NamedTensor original, NamedTensor scaled) in delta.Tensors.Zip(clipped.Delta.Tensors))
        {
            for (int i = 0; i < original.Values.Length; i++)
            {
                Assert.Equal(original.Values[i] * scale, scaled.Values[i], 1e-6 * Math.Abs(original.Values[i]) + 1e-12);
            }
        }
    }

    [Fact]
    public void A_short_delta_passes_unchanged()
    {
        ModelState delta = Delta([0.3f, -0.4f]);
        ClippedDelta clipped = DeltaClipping.Clip(delta, clipNorm: 1);
        Assert.False(clipped.Outcome.WasClipped);
        Assert.Equal(0.5, clipped.Outcome.NormBeforeClipping, 1e-7);
        Models.AssertIdentical(delta, clipped.Delta);
    }

    [Fact]
    public void All_tensors_are_one_vector()
    {
        // ‖(3, 0)‖ = 3 and ‖(0, 4)‖ = 4 together make 5; clipping to 2.5 halves both.
        ClippedDelta clipped = DeltaClipping.Clip(Delta([3f, 0f], [0f, 4f]), clipNorm: 2.5);
        Assert.Equal(5, clipped.Outcome.NormBeforeClipping, 12);
        Assert.Equal(1.5f, clipped.Delta["t0"].Values[0], 5);
        Assert.Equal(2f, clipped.Delta["t1"].Values[1], 5);
    }

    [Fact]
    public void Clip_leaves_its_input_alone_and_in_place_clipping_agrees_with_it()
    {
        ModelState delta = Models.Random(3, 2f, ("a", [1000]), ("b", [33]));
        byte[] original = Models.RawBytes(delta);
        ClippedDelta copy = DeltaClipping.Clip(delta, 0.7);
        Assert.Equal(original, Models.RawBytes(delta));

        float[] flat = delta.Tensors.SelectMany(t => t.Values).ToArray();
        ClippingOutcome flatOutcome = DeltaClipping.ClipInPlace(flat, 0.7);
        // Summed in another grouping, the norms may differ in the last bit; nothing more.
        Assert.Equal(copy.Outcome.NormBeforeClipping, flatOutcome.NormBeforeClipping, 1e-12 * flatOutcome.NormBeforeClipping);
        Assert.True(flatOutcome.WasClipped);
        float[] copied = copy.Delta.Tensors.SelectMany(t => t.Values).ToArray();
        for (int i = 0; i < flat.Length; i++) Assert.Equal(copied[i], flat[i], 1e-6f * Math.Abs(copied[i]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_norm_after_clipping_never_exceeds_the_bound_on_a_full_size_model(int seed)
    {
        // The bound is the sensitivity the noise is calibrated to: float rounding must not lift it, not even by an ulp.
        var random = new Random(seed);
        float[] delta = new float[1_200_000];
        for (int i = 0; i < delta.Length; i++) delta[i] = (float)(random.NextDouble() - 0.5) * 1e-2f;
        double clipNorm = 0.1 + random.NextDouble();
        DeltaClipping.ClipInPlace(delta, clipNorm);
        Assert.True(DeltaClipping.L2Norm([delta]) <= clipNorm);
    }

    [Fact]
    public void Refuses_non_finite_deltas_and_bounds_that_are_not_positive()
    {
        Assert.Throws<ArgumentException>(() => DeltaClipping.Clip(Delta([1f, float.NaN]), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeltaClipping.Clip(Delta([1f]), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeltaClipping.Clip(Delta([1f]), double.PositiveInfinity));
    }
}
