using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// One site's side of one secure-aggregation round (SecAgg+: Bonawitz et al. 2017 over the sparse
/// neighbour graph of Bell et al. 2020). Each stage is one method that takes the server's request and
/// returns the site's answer; they must be called in order, once each. A check that fails throws
/// <see cref="SecAggProtocolException"/> naming the sites involved, and the site leaves the round (the
/// server then treats it as dropped). Not thread-safe; make a new client for every round.
/// </summary>
public sealed class SecAggClient
{
    private readonly RoundConfiguration _configuration;
    private readonly Func<byte[], byte[]> _sign;
    private readonly SiteKeyRing _siteKeys;
    private readonly MaskExpander _masks;
    private readonly SecAggKeyPair _cipherKeys = SecAggKeyPair.Generate();
    private readonly SecAggKeyPair _maskKeys = SecAggKeyPair.Generate();
    private readonly byte[] _selfMaskSeed = RandomNumberGenerator.GetBytes(ShamirSecretSharing.SecretBytes);
    private readonly Dictionary<string, KeyAdvertisement> _neighbours = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _shareKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SecretShare SelfMaskSeed, SecretShare MaskKey)> _heldShares = new(StringComparer.Ordinal);
    private HashSet<string> _signedSurvivors = [];

    /// <param name="sign">signs bytes with this site's certificate key (for example <see cref="SiteKeyRing.Signer"/>).</param>
    /// <param name="siteKeys">certificate keys of the other sites, to check their advertisements.</param>
    /// <param name="masks">mask expansion; by default one thread per processor.</param>
    public SecAggClient(string siteId, RoundConfiguration configuration, Func<byte[], byte[]> sign, SiteKeyRing siteKeys, MaskExpander? masks = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.Contains(siteId)) throw new ArgumentException($"site '{siteId}' is not sampled for round {configuration.RoundId}", nameof(siteId));
        SiteId = siteId;
        _configuration = configuration;
        _sign = sign ?? throw new ArgumentNullException(nameof(sign));
        _siteKeys = siteKeys ?? throw new ArgumentNullException(nameof(siteKeys));
        _masks = masks ?? new MaskExpander();
        Quantizer = new InputQuantizer(configuration);
    }

    public string SiteId { get; }

    /// <summary>The stage whose method is to be called next; <see cref="SecAggStage.Aborted"/> after a refusal.</summary>
    public SecAggStage NextStage { get; private set; } = SecAggStage.AdvertiseKeys;

    /// <summary>Encodes this round's deltas (<see cref="MaskInput(MaskedInputRequest, uint[])"/> takes its output).</summary>
    public InputQuantizer Quantizer { get; }

    /// <summary>b, for tests that take the self masks out by hand.</summary>
    internal byte[] SelfMaskSeed => _selfMaskSeed;

    /// <summary>The shares this site holds, by owner: what a corrupt site hands the server in the collusion tests.</summary>
    internal IReadOnlyDictionary<string, (SecretShare SelfMaskSeed, SecretShare MaskKey)> HeldShares => _heldShares;

    /// <summary>Stage 0: the signed advertisement of this site's fresh public keys.</summary>
    public KeyAdvertisement AdvertiseKeys() => Run(SecAggStage.AdvertiseKeys, () =>
    {
        byte[] commitment = DomainLabels.SelfMaskCommitment(_configuration, SiteId, _selfMaskSeed);
        byte[] signed = DomainLabels.AdvertisementSigned(_configuration.RoundId, _configuration.Digest, SiteId,
            _cipherKeys.PublicKey, _maskKeys.PublicKey, commitment);
        return new KeyAdvertisement(_configuration.RoundId, _configuration.Digest, SiteId, _cipherKeys.PublicKey, _maskKeys.PublicKey,
            commitment, _sign(signed));
    });

    /// <summary>Stage 1: checks every neighbour's advertisement, then t-of-k shares b and the mask key among
    /// those neighbours, each share pair encrypted for its recipient.</summary>
    public EncryptedShares ShareKeys(ShareKeysRequest request) => Run(SecAggStage.ShareKeys, () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckAddressedToMe(request.RoundId, request.SiteId, "share-keys request");
        foreach (KeyAdvertisement advertisement in request.Neighbours)
        {
            string neighbour = advertisement.SiteId;
            if (!_configuration.Graph.AreNeighbours(SiteId, neighbour))
                throw new SecAggProtocolException($"the server sent site '{SiteId}' the keys of site '{neighbour}', which is not its neighbour in round {_configuration.RoundId}");
            if (advertisement.Problem(_configuration, _siteKeys) is string problem) throw new SecAggProtocolException($"site '{SiteId}' refuses {problem}");
            if (!_neighbours.TryAdd(neighbour, advertisement))
                throw new SecAggProtocolException($"the server sent site '{SiteId}' the keys of site '{neighbour}' twice");
        }
        RequireThreshold(_neighbours.Count, "neighbours with advertised keys");

        string[] holders = [.. _neighbours.Keys.Order(StringComparer.Ordinal)];
        int[] points = [.. holders.Select(_configuration.ShamirPointOf)];
        byte[] maskKey = _maskKeys.PrivateKeyBytes();
        SecretShare[] seedShares = ShamirSecretSharing.Split(_selfMaskSeed, _configuration.Threshold, points);
        SecretShare[] keyShares = ShamirSecretSharing.Split(maskKey, _configuration.Threshold, points);
        CryptographicOperations.ZeroMemory(maskKey);
        var shares = new EncryptedShare[holders.Length];
        for (int h = 0; h < holders.Length; h++)
        {
            byte[] key = ShareKey(holders[h]);
            shares[h] = ShareCipher.Encrypt(key, _configuration, SiteId, holders[h], seedShares[h], keyShares[h]);
        }
        return new EncryptedShares(_configuration.RoundId, SiteId, shares);
    });

    /// <summary>Stage 2 from a float delta: <see cref="InputQuantizer.Encode"/>, then <see cref="MaskInput(MaskedInputRequest, uint[])"/>.</summary>
    public MaskedInput MaskInput(MaskedInputRequest request, ReadOnlySpan<float> delta, long weight) =>
        MaskInput(request, Quantizer.Encode(delta, weight));

    /// <summary>
    /// Stage 2: decrypts the neighbours' shares (a share that fails authentication is refused, naming sender
    /// and recipient), then y = encoded + PRG(b) + Σⱼ ±PRG(sᵢⱼ) mod 2³² over exactly the neighbours whose
    /// shares arrived, signed over the round and site.
    /// </summary>
    /// <param name="encoded">this site's <see cref="InputQuantizer.Encode"/> output; not modified.</param>
    public MaskedInput MaskInput(MaskedInputRequest request, uint[] encoded) => Run(SecAggStage.MaskedInput, () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(encoded);
        CheckAddressedToMe(request.RoundId, request.SiteId, "masked-input request");
        if (encoded.Length != _configuration.MaskedLength)
            throw new ArgumentException($"an encoded input of round {_configuration.RoundId} has {_configuration.MaskedLength} words, not {encoded.Length}", nameof(encoded));
        foreach (EncryptedShare share in request.Shares)
        {
            if (share.RecipientId != SiteId)
                throw new SecAggProtocolException($"the server passed site '{SiteId}' a share addressed to site '{share.RecipientId}'");
            if (!_neighbours.ContainsKey(share.SenderId))
                throw new SecAggProtocolException($"the server passed site '{SiteId}' a share from site '{share.SenderId}', whose keys it never received");
            if (_heldShares.ContainsKey(share.SenderId))
                throw new SecAggProtocolException($"the server passed site '{SiteId}' two shares from site '{share.SenderId}'");
            _heldShares[share.SenderId] = ShareCipher.Decrypt(ShareKey(share.SenderId), _configuration, share);
        }
        RequireThreshold(_heldShares.Count, "neighbours whose shares arrived");

        var masks = new List<MaskTerm>(_heldShares.Count + 1) { new(_selfMaskSeed, MaskSign.Add) };
        foreach (string neighbour in _heldShares.Keys)
        {
            byte[] seed = PairwiseMasks.Seed(_maskKeys, SiteId, neighbour, _neighbours[neighbour].MaskPublicKey, _configuration);
            masks.Add(new MaskTerm(seed, PairwiseMasks.SignFor(SiteId, neighbour)));
        }
        uint[] values = (uint[])encoded.Clone();
        _masks.Apply(values, masks);
        byte[] signature = _sign(DomainLabels.MaskedInputSigned(_configuration.RoundId, _configuration.Digest, SiteId, values));
        return new MaskedInput(_configuration.RoundId, SiteId, values, signature);
    });

    /// <summary>
    /// Stage 3: checks the survivor set U3 (<see cref="SurvivorSetRules.ProblemBeforeSigning"/>: among others, no neighbour
    /// this site did not mask with may be called a survivor) and that t of the neighbours it masked with survived, then
    /// signs it. The site signs one set per round, and later reveals shares by this set only.
    /// </summary>
    public SurvivorSetSignature ConfirmSurvivors(ConsistencyCheckRequest request) => Run(SecAggStage.ConsistencyCheck, () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckAddressedToMe(request.RoundId, request.SiteId, "consistency-check request");
        if (SurvivorSetRules.ProblemBeforeSigning(_configuration, SiteId, request.Survivors, _heldShares.Keys) is string problem)
            throw new SecAggProtocolException(problem);
        _signedSurvivors = request.Survivors.ToHashSet(StringComparer.Ordinal);
        RequireThreshold(_heldShares.Keys.Count(_signedSurvivors.Contains), "surviving neighbours");
        byte[] signed = DomainLabels.SurvivorSetSigned(_configuration.RoundId, _configuration.Digest, SiteId, _signedSurvivors);
        return new SurvivorSetSignature(_configuration.RoundId, SiteId, _sign(signed));
    });

    /// <summary>
    /// Stage 4: once the request carries the set this site signed with a quorum of its members' signatures on it
    /// (<see cref="SurvivorSetRules.ProblemBeforeRevealing"/>), for each neighbour whose shares it holds, the share of b if
    /// that neighbour is in the set, the share of its mask key if not. Every site classifies by the one signed set, so the
    /// server never gets both secrets of one site from honest sites.
    /// </summary>
    public UnmaskShares Unmask(UnmaskRequest request) => Run(SecAggStage.Unmask, () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckAddressedToMe(request.RoundId, request.SiteId, "unmask request");
        if (SurvivorSetRules.ProblemBeforeRevealing(_configuration, SiteId, _signedSurvivors, request, _siteKeys) is string problem)
            throw new SecAggProtocolException(problem);
        var revealed = new List<RevealedShare>(_heldShares.Count);
        foreach (string owner in _heldShares.Keys.Order(StringComparer.Ordinal))
        {
            (SecretShare seedShare, SecretShare keyShare) = _heldShares[owner];
            revealed.Add(_signedSurvivors.Contains(owner)
                ? new RevealedShare(owner, ShareKind.SelfMaskSeed, seedShare.ToBytes())
                : new RevealedShare(owner, ShareKind.MaskKey, keyShare.ToBytes()));
        }
        return new UnmaskShares(_configuration.RoundId, SiteId, revealed);
    });

    private T Run<T>(SecAggStage stage, Func<T> body)
    {
        if (NextStage != stage)
        {
            throw new InvalidOperationException(NextStage == SecAggStage.Aborted
                ? $"site '{SiteId}' left round {_configuration.RoundId} after a refusal; {stage} cannot run"
                : $"site '{SiteId}' is at stage {NextStage} of round {_configuration.RoundId}; {stage} is out of order");
        }
        try
        {
            T result = body();
            NextStage = stage + 1;
            return result;
        }
        catch (SecAggProtocolException)
        {
            NextStage = SecAggStage.Aborted;
            throw;
        }
    }

    private void CheckAddressedToMe(long roundId, string siteId, string what)
    {
        if (roundId != _configuration.RoundId) throw new SecAggProtocolException($"the {what} to site '{SiteId}' is for round {roundId}, not round {_configuration.RoundId}");
        if (siteId != SiteId) throw new SecAggProtocolException($"site '{SiteId}' received a {what} addressed to site '{siteId}'");
    }

    private void RequireThreshold(int count, string what)
    {
        if (count < _configuration.Threshold)
            throw new SecAggProtocolException($"site '{SiteId}' has {count} {what}, fewer than the threshold t = {_configuration.Threshold}: it leaves round {_configuration.RoundId}");
    }

    /// <summary>The share-encryption key with a neighbour, agreed once and kept for decrypting its shares.</summary>
    private byte[] ShareKey(string neighbour)
    {
        if (!_shareKeys.TryGetValue(neighbour, out byte[]? key))
        {
            key = DomainLabels.ShareEncryptionKey(_cipherKeys.Agree(_neighbours[neighbour].CipherPublicKey, neighbour), _configuration, SiteId, neighbour);
            _shareKeys[neighbour] = key;
        }
        return key;
    }
}
