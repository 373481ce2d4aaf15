using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;

namespace FedFace.Simulator;

/// <summary>Simulation only (section Byzantine): a share of the simulated sites send a harmful update instead of their own.</summary>
public sealed class ByzantineSettings
{
    public const string AttackNames = "scale, sign-flip or noise";

    /// <summary>Share of the sites that attack, rounded to the nearest count (0 = none).</summary>
    public double Fraction { get; set; }

    /// <summary>scale (the site's update × Scale), sign-flip (× −Scale) or noise (Gaussian noise of Scale × the update's norm).</summary>
    public string Attack { get; set; } = "sign-flip";

    /// <summary>The attack's strength (see Attack).</summary>
    public float Scale { get; set; } = 10;

    /// <summary>How many of <paramref name="sites"/> attack.</summary>
    public int CountOf(int sites) => (int)Math.Round(Fraction * sites, MidpointRounding.AwayFromZero);

    public IEnumerable<string> Problems()
    {
        if (!(Fraction is >= 0 and < 1)) yield return $"--byzantine-fraction must be in [0, 1), got {Fraction}";
        if (Attack.Trim().ToLowerInvariant() is not ("scale" or "sign-flip" or "noise")) yield return $"--byzantine-attack must be {AttackNames}, got '{Attack}'";
        if (!(Scale > 0) || !float.IsFinite(Scale)) yield return $"--byzantine-scale must be positive, got {Scale}";
    }
}

/// <summary>
/// The attack of the simulator's byzantine sites: their agents are the honest site code, and this audit, which sees each
/// update just before it is sent, replaces it with the harmful one (and its declared hash with the new update's), so
/// the attack crosses the real wire as a well-formed update.
/// </summary>
public sealed class ByzantineSites(IEnumerable<string> siteIds, ByzantineSettings settings, int seed) : IUploadAudit
{
    private readonly HashSet<string> _attackers = new(siteIds, StringComparer.Ordinal);
    private readonly Random _random = new(seed);

    public IReadOnlyCollection<string> Attackers => _attackers;

    public void BeforeUpload(string siteId, UpdateHeader header, ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(delta);
        if (!_attackers.Contains(siteId))
        {
            return;
        }
        Corrupt(delta);
        header.DeltaSha256 = Google.Protobuf.ByteString.CopyFrom(delta.ComputeSha256());
    }

    /// <summary>Turns <paramref name="delta"/>, in place, into the attack's update.</summary>
    public void Corrupt(ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        float scale = settings.Scale;
        switch (settings.Attack.Trim().ToLowerInvariant())
        {
            case "scale":
                Multiply(delta, scale);
                break;
            case "sign-flip":
                Multiply(delta, -scale);
                break;
            default:
                double norm = DeltaClipping.L2Norm(delta.Tensors.Select(t => t.Values));
                double sigma = scale * norm / Math.Sqrt(Math.Max(1, delta.ParameterCount));
                lock (_random)
                {
                    foreach (NamedTensor t in delta.Tensors)
                    {
                        for (int i = 0; i < t.Values.Length; i++)
                        {
                            t.Values[i] = (float)(sigma * Gaussian());
                        }
                    }
                }
                break;
        }
    }

    private static void Multiply(ModelState delta, float factor)
    {
        foreach (NamedTensor t in delta.Tensors)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(t.Values, factor, t.Values);
        }
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
