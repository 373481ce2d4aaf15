using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>RDP → (ε, δ), pinned to TF Privacy's rdp_accountant_test.py where it states values.</summary>
public class RdpToDpTests
{
    private static readonly double[] s_twoToThirtyTwo = [.. Enumerable.Range(2, 31).Select(x => (double)x)];

    [Fact]
    public void Constant_RDP_picks_the_largest_order_and_gives_TF_Privacys_epsilon()
    {
        // test_get_privacy_spent_check_target_delta: orders 2..32, RDP 1.1 everywhere, δ = 1e-5 → ε = 1.32783806176 at order 32.
        double[] rdp = [.. s_twoToThirtyTwo.Select(_ => 1.1)];
        PrivacySpent spent = RdpToDp.Epsilon(s_twoToThirtyTwo, rdp, 1e-5, RdpConversion.Improved);
        Assert.Equal(1.32783806176, spent.Epsilon, 10);
        Assert.Equal(32, spent.BestOrder);
        Assert.True(spent.IsBestOrderAtEdge);
    }

    [Fact]
    public void Classic_conversion_is_Mironovs_proposition_3()
    {
        // ε = RDP + log(1/δ)/(α − 1), smallest at α = 32: 1.1 + ln(1e5)/31.
        double[] rdp = [.. s_twoToThirtyTwo.Select(_ => 1.1)];
        PrivacySpent spent = RdpToDp.Epsilon(s_twoToThirtyTwo, rdp, 1e-5, RdpConversion.Classic);
        Assert.Equal(1.1 + Math.Log(1e5) / 31, spent.Epsilon, 12);
        Assert.Equal(32, spent.BestOrder);
    }

    [Fact]
    public void The_Gaussian_calibrated_for_epsilon_one_at_delta_one_in_a_million_gives_epsilon_one()
    {
        // test_get_privacy_spent_check_target_delta, second part: σ = 4.530877117 gives exactly (1, 1e-6)-DP on a fine
        // grid of orders (TF Privacy starts its grid at 1.000, which the conversion skips anyway; this one at 1.001).
        double[] orders = [.. Enumerable.Range(1001, 98_999).Select(i => 0.001 * i)];
        double[] rdp = SampledGaussianRdp.Compute(1, 4.530877117, orders, steps: 1);
        Assert.Equal(1.0, RdpToDp.Epsilon(orders, rdp, 1e-6, RdpConversion.Improved).Epsilon, 7);
    }

    [Fact]
    public void A_tiny_divergence_proves_epsilon_zero_through_the_KL_bound()
    {
        // δ² + expm1(−RDP) > 0 ⇔ δ > √(1 − e^−RDP): nothing to pay.
        PrivacySpent spent = RdpToDp.Epsilon([2.0, 4.0], [1e-13, 2e-13], 1e-6, RdpConversion.Improved);
        Assert.Equal(0, spent.Epsilon);
    }

    [Fact]
    public void The_improved_conversion_never_exceeds_the_classic_one()
    {
        double[] orders = [.. RdpOrders.Default];
        foreach ((double q, double sigma, long steps) in new[] { (0.01, 1.1, 1000L), (1.0, 2.0, 10L), (0.1, 0.8, 50L), (0.5, 5.0, 3L) })
        {
            double[] rdp = SampledGaussianRdp.Compute(q, sigma, orders, steps);
            foreach (double delta in new[] { 1e-3, 1e-5, 1e-9 })
            {
                double improved = RdpToDp.Epsilon(orders, rdp, delta, RdpConversion.Improved).Epsilon;
                double classic = RdpToDp.Epsilon(orders, rdp, delta, RdpConversion.Classic).Epsilon;
                Assert.True(improved <= classic, $"q={q} σ={sigma} T={steps} δ={delta}: {improved} > {classic}");
            }
        }
    }

    [Fact]
    public void Refuses_mismatched_lists_and_impossible_deltas()
    {
        Assert.Throws<ArgumentException>(() => RdpToDp.Epsilon([2.0, 3.0], [0.1], 1e-5, RdpConversion.Improved));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpToDp.Epsilon([2.0], [0.1], 0, RdpConversion.Improved));
        Assert.Throws<ArgumentException>(() => RdpToDp.Epsilon([1.0], [0.1], 1e-5, RdpConversion.Improved));
    }
}
