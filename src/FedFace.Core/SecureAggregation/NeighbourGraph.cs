using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The round's k-regular neighbour graph (Bell et al. 2020): a Harary graph H(k, n) over a pseudo-random
/// permutation of the sampled sites. The permutation is drawn from the seed the server publishes in the
/// <see cref="RoundConfiguration"/>, so every site computes the same graph. In H(k, n) the site at position
/// p is joined to p ± 1 … p ± ⌊k/2⌋ (mod n) and, when k is odd (which needs n even), to p + n/2.
/// k = n − 1 is the complete graph.
/// </summary>
public sealed class NeighbourGraph
{
    private static readonly byte[] s_permutationKeyInfo = "fedface-secagg/v1/neighbour-graph"u8.ToArray();
    private readonly Dictionary<string, string[]> _neighbours;
    private readonly Dictionary<string, HashSet<string>> _lookup;

    public NeighbourGraph(IReadOnlyList<string> siteIds, int neighbourCount, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(siteIds);
        int n = siteIds.Count;
        if (neighbourCount < 1 || neighbourCount >= n)
            throw new ArgumentOutOfRangeException(nameof(neighbourCount), $"a site among {n} can have 1 to {n - 1} neighbours, not {neighbourCount}");
        if (neighbourCount % 2 == 1 && n % 2 == 1)
            throw new ArgumentException($"no {neighbourCount}-regular graph on {n} sites exists (k and n both odd)", nameof(neighbourCount));
        Degree = neighbourCount;

        string[] order = [.. siteIds];
        Shuffle(order, seed);
        _neighbours = new Dictionary<string, string[]>(n, StringComparer.Ordinal);
        for (int p = 0; p < n; p++)
        {
            var around = new List<string>(neighbourCount);
            for (int d = 1; d <= neighbourCount / 2; d++)
            {
                around.Add(order[(p + d) % n]);
                around.Add(order[(p - d + n) % n]);
            }
            if (neighbourCount % 2 == 1) around.Add(order[(p + n / 2) % n]);
            _neighbours[order[p]] = [.. around.Order(StringComparer.Ordinal)];
        }
        _lookup = _neighbours.ToDictionary(e => e.Key, e => e.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>k: every site has exactly this many neighbours.</summary>
    public int Degree { get; }

    /// <summary>The neighbours of <paramref name="siteId"/>, in ordinal order.</summary>
    public IReadOnlyList<string> NeighboursOf(string siteId) =>
        _neighbours.TryGetValue(siteId, out string[]? neighbours) ? neighbours : throw new ArgumentException($"site '{siteId}' is not in this round", nameof(siteId));

    public bool AreNeighbours(string a, string b) => _lookup.TryGetValue(a, out HashSet<string>? around) && around.Contains(b);

    /// <summary>Fisher–Yates with unbiased draws from AES-CTR keyed by HKDF(seed).</summary>
    private static void Shuffle(string[] items, ReadOnlySpan<byte> seed)
    {
        var keystream = new AesCtrKeystream(HKDF.DeriveKey(HashAlgorithmName.SHA256, seed.ToArray(), AesCtrKeystream.KeyBytes, [], s_permutationKeyInfo));
        var words = new WordStream(keystream);
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = words.Below((uint)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>uint32 words from a keystream, and uniform integers below a bound by rejection.</summary>
    private sealed class WordStream(AesCtrKeystream keystream)
    {
        private readonly byte[] _block = new byte[AesCtrKeystream.BlockBytes];
        private long _nextBlock;
        private int _used = AesCtrKeystream.BlockBytes;

        public int Below(uint bound)
        {
            // Accept only words below the largest multiple of bound, so every residue is equally likely.
            ulong zone = (1UL << 32) - (1UL << 32) % bound;
            while (true)
            {
                uint word = Next();
                if (word < zone) return (int)(word % bound);
            }
        }

        private uint Next()
        {
            if (_used == _block.Length)
            {
                keystream.Generate(_nextBlock++, _block);
                _used = 0;
            }
            uint word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_block.AsSpan(_used));
            _used += sizeof(uint);
            return word;
        }
    }
}
