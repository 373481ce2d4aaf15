using FedFace.Core.Simulation;

namespace FedFace.Core.Tests;

public sealed class SyntheticUpdatesTests
{
    private static readonly ModelState s_global = new([new NamedTensor("conv.weight", [3, 7, 5, 5], new float[525]), new NamedTensor("bn.bias", [101], new float[101])]);

    [Fact]
    public void A_site_draws_the_same_delta_for_a_round_in_any_process_and_another_for_another_site_round_or_seed()
    {
        ModelState delta = new SyntheticUpdates(seed: 7).For("site-01", 3, s_global);

        Assert.Equal(delta.ComputeSha256Hex(), new SyntheticUpdates(seed: 7).For("site-01", 3, s_global).ComputeSha256Hex());
        Assert.NotEqual(delta.ComputeSha256Hex(), new SyntheticUpdates(seed: 7).For("site-02", 3, s_global).ComputeSha256Hex());
        Assert.NotEqual(delta.ComputeSha256Hex(), new SyntheticUpdates(seed: 7).For("site-01", 4, s_global).ComputeSha256Hex());
        Assert.NotEqual(delta.ComputeSha256Hex(), new SyntheticUpdates(seed: 8).For("site-01", 3, s_global).ComputeSha256Hex());
        Assert.Equal(s_global.Tensors.Select(t => (t.Name, t.Shape)), delta.Tensors.Select(t => (t.Name, t.Shape)));
    }

    [Fact]
    public void The_values_are_normal_with_the_standard_deviation_asked_for()
    {
        var large = new ModelState([new NamedTensor("w", [200_001], new float[200_001])]); // odd: the last pair is cut
        float[] values = new SyntheticUpdates(seed: 1, standardDeviation: 0.01f).For("site-01", 1, large)["w"].Values;

        double mean = values.Average(v => (double)v);
        double sd = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -5 * 0.01 / Math.Sqrt(values.Length), 5 * 0.01 / Math.Sqrt(values.Length)); // 5 standard errors
        Assert.InRange(sd, 0.01 * 0.99, 0.01 * 1.01);
        double withinOneSd = values.Count(v => Math.Abs(v - mean) <= sd) / (double)values.Length;
        Assert.InRange(withinOneSd, 0.6827 - 0.005, 0.6827 + 0.005); // the normal's 68.27%, not a uniform's 57.7%
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }
}
