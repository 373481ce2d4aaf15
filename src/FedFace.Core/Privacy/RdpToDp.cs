namespace FedFace.Core.Privacy;

/// <summary>Converts RDP at a set of orders into the smallest ε it proves at a given δ.</summary>
public static class RdpToDp
{
    public static PrivacySpent Epsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta, RdpConversion conversion)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        if (orders.Count == 0 || orders.Count != rdp.Count) throw new ArgumentException($"need one RDP value per order, got {orders.Count} orders and {rdp.Count} values");
        if (!(delta is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        double best = double.PositiveInfinity;
        int bestIndex = 0;
        for (int i = 0; i < orders.Count; i++)
        {
            if (!(orders[i] > 1)) throw new ArgumentException($"Rényi orders must be greater than 1, got {orders[i]}", nameof(orders));
            if (!(rdp[i] >= 0)) throw new ArgumentException($"RDP values must be non-negative, got {rdp[i]} at order {orders[i]}", nameof(rdp));
            double epsilon = conversion switch
            {
                RdpConversion.Classic => Classic(orders[i], rdp[i], delta),
                RdpConversion.Improved => Improved(orders[i], rdp[i], delta),
                _ => throw new ArgumentOutOfRangeException(nameof(conversion), conversion, "unknown conversion"),
            };
            if (epsilon < best) (best, bestIndex) = (epsilon, i);
        }
        double bestOrder = orders[bestIndex];
        bool atEdge = bestOrder == orders.Min() || bestOrder == orders.Max();
        return new PrivacySpent(Math.Max(0, best), delta, bestOrder, conversion, atEdge);
    }

    private static double Classic(double order, double rdp, double delta) => rdp - Math.Log(delta) / (order - 1);

    private static double Improved(double order, double rdp, double delta)
    {
        // δ ≤ √(1 − e^−KL) already holds: ε = 0 (dp_accounting's strict inequality).
        if (delta * delta + LogMath.Expm1(-rdp) > 0) return 0;
        // The bound is numerically unstable as α → 1 and useless there anyway (TF Privacy's cut-off).
        if (order <= 1.01) return double.PositiveInfinity;
        return rdp + LogMath.Log1p(-1 / order) - Math.Log(delta * order) / (order - 1);
    }
}
