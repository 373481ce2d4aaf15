namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The server's store of revealed shares. For each site it is told once which kind of share it may hold —
/// b for a site whose masked input arrived, the mask key for one whose input did not — and it refuses
/// anything else, so the server never holds both kinds for any site, whatever the sites send.
/// </summary>
internal sealed class ShareLedger(int threshold)
{
    private readonly Dictionary<string, ShareKind> _kinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<int, SecretShare>> _shares = new(StringComparer.Ordinal);
    private readonly LagrangeCoefficients _coefficients = new();

    /// <summary>From now on only <paramref name="kind"/> shares of <paramref name="owner"/> are accepted.</summary>
    public void Expect(string owner, ShareKind kind)
    {
        if (_kinds.TryGetValue(owner, out ShareKind existing) && existing != kind)
            throw new InvalidOperationException($"the server already expects {existing} shares of site '{owner}'; it never asks for both kinds");
        _kinds[owner] = kind;
        _shares.TryAdd(owner, []);
    }

    public ShareKind? ExpectedKind(string owner) => _kinds.TryGetValue(owner, out ShareKind kind) ? kind : null;

    public void Add(string owner, ShareKind kind, SecretShare share)
    {
        if (ExpectedKind(owner) != kind)
            throw new InvalidOperationException($"a {kind} share of site '{owner}' is not what the server asked for; it never holds both kinds");
        if (!_shares[owner].TryAdd(share.X, share))
            throw new InvalidOperationException($"the share of site '{owner}' at point {share.X} is already held");
    }

    /// <summary>The kinds of share held for <paramref name="owner"/> (never more than one).</summary>
    public IReadOnlyList<ShareKind> KindsHeldFor(string owner) =>
        _shares.TryGetValue(owner, out Dictionary<int, SecretShare>? held) && held.Count > 0 ? [_kinds[owner]] : [];

    public int CountFor(string owner) => _shares.TryGetValue(owner, out Dictionary<int, SecretShare>? held) ? held.Count : 0;

    /// <summary>Sets of holders whose Lagrange coefficients were computed (the rest were reused).</summary>
    public int HolderSetsComputed => _coefficients.SetsComputed;

    /// <summary>The owner's secret from the shares held; safe to call from several threads once no share is being added.</summary>
    /// <exception cref="InsufficientSharesException">fewer than t shares arrived.</exception>
    /// <exception cref="InconsistentSharesException">a share was wrong.</exception>
    public byte[] Reconstruct(string owner) => ShamirSecretSharing.Reconstruct(_shares[owner].Values, threshold, _coefficients);
}
