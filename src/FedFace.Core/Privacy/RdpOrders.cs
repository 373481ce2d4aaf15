namespace FedFace.Core.Privacy;

/// <summary>The Rényi orders α at which the accountant tracks privacy loss.</summary>
public static class RdpOrders
{
    /// <summary>
    /// TF Privacy's tutorial list, [1 + x/10 for x in 1..99] + [12..63]: fine steps where the optimum lies for
    /// moderate noise, integers above. 151 orders.
    /// </summary>
    public static IReadOnlyList<double> Default { get; } =
        [.. Enumerable.Range(1, 99).Select(x => 1 + x / 10.0), .. Enumerable.Range(12, 52).Select(x => (double)x)];
}
