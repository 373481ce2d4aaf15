namespace FedFace.Core.Privacy;

/// <summary>
/// Rényi-DP accountant for client-level DP-FedAvg: each round is one step of the sampled Gaussian mechanism
/// (<see cref="SampledGaussianRdp"/>), RDP adds up over rounds at every order, and <see cref="Spent"/> converts the
/// total to (ε, δ) at the best order. Rounds may differ in sampling rate and noise (dropouts change the noise a
/// distributed-DP round actually carries), so each is composed with what it really used.
/// </summary>
public sealed class RdpAccountant
{
    private readonly double[] _orders;
    private readonly double[] _rdp;
    private readonly List<RdpComposition> _compositions = [];

    public RdpAccountant(IReadOnlyList<double>? orders = null, RdpConversion conversion = RdpConversion.Improved)
    {
        _orders = [.. orders ?? RdpOrders.Default];
        if (_orders.Length == 0) throw new ArgumentException("the accountant needs at least one Rényi order", nameof(orders));
        foreach (double order in _orders)
        {
            if (!(order > 1) || !double.IsFinite(order)) throw new ArgumentException($"Rényi orders must be finite and greater than 1, got {order}", nameof(orders));
        }
        _rdp = new double[_orders.Length];
        Conversion = conversion;
    }

    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The total RDP so far at each of <see cref="Orders"/>.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    public RdpConversion Conversion { get; }

    public IReadOnlyList<RdpComposition> Compositions => _compositions;

    public long RoundsComposed => _compositions.Sum(c => c.Rounds);

    /// <summary>Adds <paramref name="rounds"/> rounds at sampling rate q and noise multiplier z.</summary>
    public void Compose(double samplingRate, double noiseMultiplier, long rounds = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        double[] step = SampledGaussianRdp.Compute(samplingRate, noiseMultiplier, _orders, rounds);
        for (int i = 0; i < _rdp.Length; i++) _rdp[i] += step[i];
        // Consecutive rounds with the same parameters share one entry, so a checkpoint stays small.
        if (_compositions.Count > 0 && _compositions[^1] is { } last && last.SamplingRate == samplingRate && last.NoiseMultiplier == noiseMultiplier)
            _compositions[^1] = last with { Rounds = last.Rounds + rounds };
        else
            _compositions.Add(new RdpComposition(samplingRate, noiseMultiplier, rounds));
    }

    /// <summary>The (ε, δ) guarantee of everything composed so far, with the best order.</summary>
    public PrivacySpent Spent(double delta) => RdpToDp.Epsilon(_orders, _rdp, delta, Conversion);

    /// <summary>What <see cref="Spent"/> would say after <paramref name="moreRounds"/> further rounds; changes nothing.</summary>
    public PrivacySpent SpentAfter(double samplingRate, double noiseMultiplier, long moreRounds, double delta)
    {
        double[] total = SampledGaussianRdp.Compute(samplingRate, noiseMultiplier, _orders, moreRounds);
        for (int i = 0; i < total.Length; i++) total[i] += _rdp[i];
        return RdpToDp.Epsilon(_orders, total, delta, Conversion);
    }

    public RdpAccountantCheckpoint ToCheckpoint() => new([.. _orders], [.. _compositions]);

    /// <summary>An accountant that has composed exactly what the checkpoint records.</summary>
    public static RdpAccountant FromCheckpoint(RdpAccountantCheckpoint checkpoint, RdpConversion conversion = RdpConversion.Improved)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Orders is null || checkpoint.Compositions is null)
            throw new InvalidDataException("a privacy accountant checkpoint must list its orders and compositions");
        var accountant = new RdpAccountant(checkpoint.Orders, conversion);
        foreach (RdpComposition composition in checkpoint.Compositions)
        {
            try
            {
                accountant.Compose(composition.SamplingRate, composition.NoiseMultiplier, composition.Rounds);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"the privacy accountant checkpoint holds an impossible composition {composition}: {e.Message}", e);
            }
        }
        return accountant;
    }
}
