using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// What the server publishes to every sampled site before stage 0, and everything both sides derive from
/// it: the site list (whose order gives the Shamir points and the mask signs), the neighbour graph, t and
/// the quantization scale. Every site signs <see cref="Digest"/> inside its key advertisement, so a server
/// that shows different sites different configurations is caught by their neighbours.
/// </summary>
public sealed class RoundConfiguration
{
    public const int MinimumSites = 3;
    public const int SeedBytes = 32;

    private readonly Dictionary<string, int> _points;
    private readonly Lazy<NeighbourGraph> _graph;
    private readonly Lazy<byte[]> _bytes;

    /// <exception cref="ArgumentException">the configuration is unusable or unsafe (for example t ≤ k/2);
    /// the message lists every problem. A site must refuse such a round.</exception>
    public RoundConfiguration(long roundId, IEnumerable<string> siteIds, int neighbourCount, int threshold, byte[] graphSeed,
        int vectorLength, double clipNorm, double coordinateBound, long maxWeightPerSite, int corruptSites = 0)
    {
        ArgumentNullException.ThrowIfNull(siteIds);
        ArgumentNullException.ThrowIfNull(graphSeed);
        RoundId = roundId;
        SiteIds = [.. siteIds.Order(StringComparer.Ordinal)];
        NeighbourCount = neighbourCount;
        Threshold = threshold;
        GraphSeed = (byte[])graphSeed.Clone();
        VectorLength = vectorLength;
        ClipNorm = clipNorm;
        CoordinateBound = coordinateBound;
        MaxWeightPerSite = maxWeightPerSite;
        CorruptSites = corruptSites;
        List<string> problems = Problems();
        if (problems.Count > 0) throw new ArgumentException($"round {roundId} configuration refused: {string.Join("; ", problems)}");
        _points = SiteIds.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index + 1, StringComparer.Ordinal);
        _graph = new Lazy<NeighbourGraph>(() => new NeighbourGraph(SiteIds, NeighbourCount, GraphSeed));
        _bytes = new Lazy<byte[]>(Serialize);
        Digest = SHA256.HashData(ToBytes());
    }

    public long RoundId { get; }

    /// <summary>The sampled sites, in ordinal order.</summary>
    public IReadOnlyList<string> SiteIds { get; }

    /// <summary>k, each site's number of neighbours.</summary>
    public int NeighbourCount { get; }

    /// <summary>t, the shares needed to reconstruct a secret; always &gt; k/2 (see <see cref="NeighbourhoodRule"/>).</summary>
    public int Threshold { get; }

    public byte[] GraphSeed { get; }

    /// <summary>Elements of a site's delta; masked vectors carry one more, the weight.</summary>
    public int VectorLength { get; }

    public double ClipNorm { get; }

    public double CoordinateBound { get; }

    public long MaxWeightPerSite { get; }

    /// <summary>How many sampled sites the round is sized to withstand colluding with the server (⌊γ·n⌋, see
    /// <see cref="NeighbourhoodRule"/>); it sets <see cref="SignatureQuorum"/>.</summary>
    public int CorruptSites { get; }

    /// <summary>
    /// Signatures on one survivor set a site needs before it reveals shares: ⌊(n + C)/2⌋ + 1 for n sites and C corrupt
    /// ones. Two different sets with a quorum each would share more than C signers, so at least one honest site would have
    /// signed both — which it never does: every site reveals by the same set.
    /// </summary>
    public int SignatureQuorum => (SiteIds.Count + CorruptSites) / 2 + 1;

    /// <summary>
    /// Corrupt sites colluding with the server that cannot unmask a single honest input. Two bounds: honest sites must all
    /// reveal by one survivor set, which the quorum guarantees while two quorums share more signers than there are corrupt
    /// sites (2Q − n − 1 of them at most); and with one set the server must get t shares of one secret from corrupt
    /// neighbours alone — on the complete graph t − 1 withstood exactly (every site neighbours them all), on a sparse graph
    /// the C it was sized for (every site has fewer than t corrupt neighbours except with the configured failure probability).
    /// </summary>
    public int ColludersWithstood =>
        Math.Min(NeighbourCount == SiteIds.Count - 1 ? Threshold - 1 : CorruptSites, 2 * SignatureQuorum - SiteIds.Count - 1);

    /// <summary>SHA-256 of <see cref="ToBytes"/>, signed by every site with its keys.</summary>
    public byte[] Digest { get; }

    public NeighbourGraph Graph => _graph.Value;

    /// <summary>Upper bound on the round's total weight: every sampled site at <see cref="MaxWeightPerSite"/>.</summary>
    public long MaxTotalWeight => SiteIds.Count * MaxWeightPerSite;

    /// <summary>
    /// L = ⌊(2³¹ − 1) / W_max⌋, W_max = <see cref="MaxTotalWeight"/>: a quantized coordinate lies in [−L, L],
    /// so Σ wᵢ·qᵢ lies in [−L·W, L·W] ⊂ [−(2³¹ − 1), 2³¹ − 1] and the mod-2³² sum decodes as a signed int32
    /// without wrapping, whatever the sites' inputs.
    /// </summary>
    public int QuantizationLevels => LevelsFor(MaxTotalWeight);

    /// <summary>Δ = CoordinateBound / L: the value of one quantization level.</summary>
    public double QuantizationStep => StepFor(CoordinateBound, MaxTotalWeight);

    /// <summary>L for a round whose total weight is at most <paramref name="maxTotalWeight"/> (see <see cref="QuantizationLevels"/>).</summary>
    public static int LevelsFor(long maxTotalWeight) => (int)(int.MaxValue / maxTotalWeight);

    /// <summary>Δ for a coordinate bound and a maximum total weight, computed exactly as a configuration computes it.</summary>
    public static double StepFor(double coordinateBound, long maxTotalWeight) => coordinateBound / LevelsFor(maxTotalWeight);

    /// <summary>
    /// Worst-case error per coordinate of the decoded weighted mean against the exact weighted mean of the
    /// clipped deltas: stochastic rounding moves each site's coordinate by less than one step Δ, and a
    /// weighted mean of errors each below Δ is below Δ. The rounding is unbiased, so the typical error is far
    /// smaller: its standard deviation is at most (Δ/2)·√(Σwᵢ²)/Σwᵢ. (Float32 output adds ~6e-8 relative.)
    /// </summary>
    public double ErrorBound => QuantizationStep;

    /// <summary>Masked vector length: the quantized delta and the weight.</summary>
    public int MaskedLength => VectorLength + 1;

    public static RoundConfiguration Create(long roundId, IEnumerable<string> sampledSites, int vectorLength, SecAggSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<string> problems = settings.Problems();
        if (problems.Count > 0) throw new ArgumentException($"secure-aggregation settings refused: {string.Join("; ", problems)}", nameof(settings));
        string[] sites = [.. sampledSites];
        if (sites.Length < MinimumSites)
            throw new ArgumentException($"secure aggregation needs at least {MinimumSites} sites, not {sites.Length}", nameof(sampledSites));
        (int k, int t) = settings.NeighbourhoodFor(sites.Length);
        return new RoundConfiguration(roundId, sites, k, t, RandomNumberGenerator.GetBytes(SeedBytes), vectorLength,
            settings.ClipNorm, settings.CoordinateBound, settings.MaxWeightPerSite, settings.CorruptSitesFor(sites.Length));
    }

    public bool Contains(string siteId) => _points.ContainsKey(siteId);

    /// <summary>The Shamir evaluation point of a site's shares: its 1-based position in <see cref="SiteIds"/>.</summary>
    public int ShamirPointOf(string siteId) =>
        _points.TryGetValue(siteId, out int point) ? point : throw new ArgumentException($"site '{siteId}' is not in round {RoundId}", nameof(siteId));

    public byte[] ToBytes() => (byte[])_bytes.Value.Clone();

    public static RoundConfiguration FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new WireReader(bytes, "round configuration");
        reader.Header(WireFormat.RoundConfiguration);
        var configuration = new RoundConfiguration(roundId: reader.Int64(), siteIds: reader.Strings(), neighbourCount: reader.Int32(),
            threshold: reader.Int32(), graphSeed: reader.Bytes(), vectorLength: reader.Int32(), clipNorm: reader.Double(),
            coordinateBound: reader.Double(), maxWeightPerSite: reader.Int64(), corruptSites: reader.Int32());
        reader.End();
        return configuration;
    }

    private byte[] Serialize() => WireFormat.Start(WireFormat.RoundConfiguration)
        .Int64(RoundId).Strings(SiteIds).Int32(NeighbourCount).Int32(Threshold).Bytes(GraphSeed)
        .Int32(VectorLength).Double(ClipNorm).Double(CoordinateBound).Int64(MaxWeightPerSite).Int32(CorruptSites).ToArray();

    private List<string> Problems()
    {
        var problems = new List<string>();
        int n = SiteIds.Count;
        if (n < MinimumSites) problems.Add($"at least {MinimumSites} sites are needed, not {n}");
        if (SiteIds.Distinct(StringComparer.Ordinal).Count() != n) problems.Add("a site is listed twice");
        if (SiteIds.Any(string.IsNullOrWhiteSpace)) problems.Add("a site id is empty");
        if (NeighbourCount < 1 || NeighbourCount >= n) problems.Add($"k = {NeighbourCount} neighbours is not in [1, {n - 1}]");
        else if (NeighbourCount % 2 == 1 && n % 2 == 1) problems.Add($"no {NeighbourCount}-regular graph on {n} sites exists (k and n both odd)");
        if (Threshold > NeighbourCount) problems.Add($"t = {Threshold} exceeds k = {NeighbourCount}: no secret could ever be reconstructed");
        if (2L * Threshold <= NeighbourCount)
            problems.Add($"t = {Threshold} must exceed k/2 = {NeighbourCount / 2.0} so the server can never hold both kinds of share of a site");
        if (CorruptSites < 0 || CorruptSites >= n) problems.Add($"{CorruptSites} corrupt sites is not in [0, {n - 1}]");
        else if (NeighbourCount == n - 1 && Threshold <= CorruptSites)
            problems.Add($"t = {Threshold} must exceed the {CorruptSites} corrupt sites, or they could hand the server both kinds of share of a site");
        if (GraphSeed.Length != SeedBytes) problems.Add($"the graph seed must be {SeedBytes} bytes, not {GraphSeed.Length}");
        if (VectorLength < 1 || VectorLength == int.MaxValue) problems.Add($"vector length {VectorLength} is not usable");
        if (!(ClipNorm > 0 && double.IsFinite(ClipNorm))) problems.Add($"clip norm {ClipNorm} must be positive and finite");
        if (!(CoordinateBound > 0 && double.IsFinite(CoordinateBound))) problems.Add($"coordinate bound {CoordinateBound} must be positive and finite");
        if (MaxWeightPerSite < 1) problems.Add($"the maximum weight per site must be at least 1, not {MaxWeightPerSite}");
        else if (n > 0 && MaxWeightPerSite > int.MaxValue / n)
            problems.Add($"{n} sites × {MaxWeightPerSite} maximum weight leaves no quantization level below 2^31");
        return problems;
    }
}
