using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;
using FedFace.Testing;

namespace FedFace.Core.Tests.SecureAggregation;

/// <summary>Sites with ECDSA P-256 certificate keys, the key ring that verifies them, and helpers to make
/// rounds and encoded inputs. Small vectors keep the whole folder fast.</summary>
internal sealed class TestFederation : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    public TestFederation(int siteCount)
    {
        SiteIds = [.. Enumerable.Range(1, siteCount).Select(i => $"site-{i:D2}")];
        _keys = SiteIds.ToDictionary(id => id, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256), StringComparer.Ordinal);
        KeyRing = new SiteKeyRing(_keys);
        Signers = _keys.ToDictionary(e => e.Key, e => SiteKeyRing.Signer(e.Value), StringComparer.Ordinal);
    }

    public string[] SiteIds { get; }

    public SiteKeyRing KeyRing { get; }

    public Dictionary<string, Func<byte[], byte[]>> Signers { get; }

    public ECDsa KeyOf(string siteId) => _keys[siteId];

    public RoundConfiguration Round(long roundId = 7, int vectorLength = 24, SecAggSettings? settings = null) =>
        RoundConfiguration.Create(roundId, SiteIds, vectorLength, settings ?? new SecAggSettings { CoordinateBound = 0.5, MaxWeightPerSite = 100 });

    public SecAggClient Client(string siteId, RoundConfiguration configuration) =>
        new(siteId, configuration, Signers[siteId], KeyRing, new MaskExpander(1));

    public InProcessSecAggRound InProcess(RoundConfiguration configuration) => new(configuration, KeyRing, Signers, new MaskExpander(1));

    /// <summary>Each site's encoded input: a seeded random delta in ±0.4 and a weight in [1, 100].</summary>
    public static Dictionary<string, uint[]> EncodedInputs(RoundConfiguration configuration, int seed)
    {
        var random = new Random(seed);
        var quantizer = new InputQuantizer(configuration);
        return configuration.SiteIds.ToDictionary(site => site, site =>
        {
            float[] delta = [.. Enumerable.Range(0, configuration.VectorLength).Select(_ => (random.NextSingle() - 0.5f) * 0.8f)];
            return quantizer.Encode(delta, random.Next(1, 101));
        }, StringComparer.Ordinal);
    }

    /// <summary>Σ of the given sites' encoded vectors mod 2³² — what the protocol must output.</summary>
    public static uint[] SumOf(IReadOnlyDictionary<string, uint[]> inputs, IEnumerable<string> sites)
    {
        uint[] sum = new uint[inputs.Values.First().Length];
        foreach (string site in sites)
        {
            for (int i = 0; i < sum.Length; i++) sum[i] += inputs[site][i];
        }
        return sum;
    }

    /// <summary>Stage 3 run honestly: every asked client signs, and the server closes the stage.</summary>
    public static IReadOnlyDictionary<string, UnmaskRequest> ConfirmSurvivors(SecAggServer server, IReadOnlyDictionary<string, SecAggClient> clients,
        IReadOnlyDictionary<string, ConsistencyCheckRequest> requests)
    {
        foreach ((string site, ConsistencyCheckRequest request) in requests) Assert.True(server.Receive(clients[site].ConfirmSurvivors(request)).IsAccepted);
        return server.CloseConsistencyCheck();
    }

    public void Dispose()
    {
        foreach (ECDsa key in _keys.Values) key.Dispose();
    }
}
