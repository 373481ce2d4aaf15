using System.Diagnostics;
using System.Numerics.Tensors;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The server's side of one secure-aggregation round. For each stage the caller passes every message that
/// arrives to <c>Receive</c> (each is accepted or rejected with a reason naming the site), and when all the
/// awaited sites have answered or its deadline passes, calls that stage's <c>Close</c> method: the sites that
/// answered are the stage's survivors, and it returns the next stage's requests (or, after stage 4, the
/// result). With too few survivors a <c>Close</c> throws <see cref="SecAggAbortedException"/> and nothing
/// is produced. It sees only uint32 vectors and ids: never a site's input. Thread-safe.
/// </summary>
public sealed class SecAggServer
{
    private readonly object _gate = new();
    private readonly RoundConfiguration _configuration;
    private readonly SiteKeyRing _siteKeys;
    private readonly MaskExpander _masks;
    private readonly NeighbourGraph _graph;
    private readonly Dictionary<string, KeyAdvertisement> _advertisements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EncryptedShares> _encryptedShares = new(StringComparer.Ordinal);
    private readonly HashSet<string> _maskedInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SurvivorSetSignature> _survivorSignatures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unmasked = new(StringComparer.Ordinal);
    private readonly ShareLedger _ledger;
    private SortedSet<string> _advertised = [];   // U1: stage-0 survivors
    private SortedSet<string> _shared = [];       // U2: stage-1 survivors
    private SortedSet<string> _survived = [];     // U3: sites whose masked input arrived
    private uint[]? _maskedSum;
    private HashSet<string> _awaited;

    public SecAggServer(RoundConfiguration configuration, SiteKeyRing siteKeys, MaskExpander? masks = null)
    {
        _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        _siteKeys = siteKeys ?? throw new ArgumentNullException(nameof(siteKeys));
        _masks = masks ?? new MaskExpander();
        _graph = configuration.Graph;
        _ledger = new ShareLedger(configuration.Threshold);
        _awaited = configuration.SiteIds.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>What to publish to the sampled sites before stage 0.</summary>
    public RoundConfiguration Configuration => _configuration;

    public SecAggStage Stage { get; private set; } = SecAggStage.AdvertiseKeys;

    /// <summary>Where the unmask stage's time went, once the round has completed.</summary>
    public UnmaskCosts? UnmaskCosts { get; private set; }

    /// <summary>Sites asked in the current stage that have not answered yet: when empty, close the stage
    /// without waiting for the deadline.</summary>
    public IReadOnlyCollection<string> AwaitedSites
    {
        get { lock (_gate) return [.. _awaited.Order(StringComparer.Ordinal)]; }
    }

    // ── stage 0 ───────────────────────────────────────────────────────────────────────────────────────

    public Acceptance Receive(KeyAdvertisement advertisement)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        lock (_gate)
        {
            if (Refuse(SecAggStage.AdvertiseKeys, advertisement.SiteId, "key advertisement") is Acceptance refused) return refused;
            if (advertisement.Problem(_configuration, _siteKeys) is string problem) return Acceptance.Rejected(problem);
            _advertisements.Add(advertisement.SiteId, advertisement);
            return Answered(advertisement.SiteId);
        }
    }

    /// <summary>Ends stage 0; returns, per surviving site, its neighbours' advertisements.</summary>
    public IReadOnlyDictionary<string, ShareKeysRequest> CloseAdvertiseKeys()
    {
        lock (_gate)
        {
            RequireStage(SecAggStage.AdvertiseKeys);
            _advertised = Survivors(SecAggStage.AdvertiseKeys, _advertisements.Keys, "advertised keys");
            var requests = _advertised.ToDictionary(site => site, site => new ShareKeysRequest(_configuration.RoundId, site,
                [.. NeighboursIn(site, _advertised).Select(n => _advertisements[n])]), StringComparer.Ordinal);
            Advance(SecAggStage.ShareKeys, _advertised);
            return requests;
        }
    }

    // ── stage 1 ───────────────────────────────────────────────────────────────────────────────────────

    public Acceptance Receive(EncryptedShares shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        lock (_gate)
        {
            string sender = shares.SenderId;
            if (Refuse(SecAggStage.ShareKeys, sender, "encrypted shares", shares.RoundId) is Acceptance refused) return refused;
            if (shares.Shares.Any(s => s.SenderId != sender))
                return Acceptance.Rejected($"the encrypted shares of site '{sender}' include shares claiming another sender");
            var recipients = shares.Shares.Select(s => s.RecipientId).ToHashSet(StringComparer.Ordinal);
            string[] expected = [.. NeighboursIn(sender, _advertised)];
            if (recipients.Count != shares.Shares.Count || !recipients.SetEquals(expected))
                return Acceptance.Rejected($"the encrypted shares of site '{sender}' are addressed to [{string.Join(", ", shares.Shares.Select(s => s.RecipientId))}], "
                    + $"not once to each of its neighbours [{string.Join(", ", expected)}]");
            _encryptedShares.Add(sender, shares);
            return Answered(sender);
        }
    }

    /// <summary>Ends stage 1; returns, per surviving site, the shares its surviving neighbours sent it.</summary>
    public IReadOnlyDictionary<string, MaskedInputRequest> CloseShareKeys()
    {
        lock (_gate)
        {
            RequireStage(SecAggStage.ShareKeys);
            _shared = Survivors(SecAggStage.ShareKeys, _encryptedShares.Keys, "shared keys");
            // Each survivor's inbox: the shares its surviving neighbours addressed to it.
            Dictionary<string, List<EncryptedShare>> inboxes = _shared.ToDictionary(site => site, _ => new List<EncryptedShare>(), StringComparer.Ordinal);
            foreach (string sender in _shared)
            {
                foreach (EncryptedShare share in _encryptedShares[sender].Shares)
                {
                    if (inboxes.TryGetValue(share.RecipientId, out List<EncryptedShare>? inbox)) inbox.Add(share);
                }
            }
            var requests = inboxes.ToDictionary(e => e.Key, e => new MaskedInputRequest(_configuration.RoundId, e.Key, e.Value), StringComparer.Ordinal);
            _encryptedShares.Clear(); // routed: the server has no further use for them
            _maskedSum = new uint[_configuration.MaskedLength];
            Advance(SecAggStage.MaskedInput, _shared);
            return requests;
        }
    }

    // ── stage 2 ───────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Checks a masked input's round, site and signature, and folds it into the running sum (mod
    /// 2³²), so the server keeps one vector however many sites answer. A second copy from the same site, or a
    /// copy from another round, is rejected as a replay.</summary>
    public Acceptance Receive(MaskedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string site = input.SiteId;
        if (input.RoundId != _configuration.RoundId)
            return Acceptance.Rejected($"the masked input of site '{site}' is for round {input.RoundId}, not round {_configuration.RoundId}: a replay from another round");
        if (input.Values.Length != _configuration.MaskedLength)
            return Acceptance.Rejected($"the masked input of site '{site}' has {input.Values.Length} words, not {_configuration.MaskedLength}");
        // Hashing megabytes for the signature needs no round state: do it outside the lock, so sites
        // uploading side by side are checked side by side.
        if (!_siteKeys.Verify(site, input.SignedBytes(_configuration.Digest), input.Signature, out string reason))
            return Acceptance.Rejected($"the masked input of site '{site}' is not signed for round {_configuration.RoundId} (altered, or replayed from another round): {reason}");
        lock (_gate)
        {
            if (_maskedInputs.Contains(site))
                return Acceptance.Rejected($"site '{site}' already sent its masked input for round {_configuration.RoundId}: this second copy is rejected as a replay");
            if (Refuse(SecAggStage.MaskedInput, site, "masked input") is Acceptance refused) return refused;
            TensorPrimitives.Add(_maskedSum, input.Values, _maskedSum);
            _maskedInputs.Add(site);
            return Answered(site);
        }
    }

    /// <summary>Ends stage 2; returns, per site whose masked input arrived, the survivor set U3 to sign. Aborts if U3
    /// cannot reach the signature quorum or some secret that must be reconstructed has fewer than t holders in it.</summary>
    public IReadOnlyDictionary<string, ConsistencyCheckRequest> CloseMaskedInput()
    {
        lock (_gate)
        {
            RequireStage(SecAggStage.MaskedInput);
            _survived = new SortedSet<string>(_maskedInputs, StringComparer.Ordinal);
            return AskNext(SecAggStage.MaskedInput, _survived, "masked inputs arrived",
                site => new ConsistencyCheckRequest(_configuration.RoundId, site, [.. _survived]));
        }
    }

    // ── stage 3 ───────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Takes a survivor's signature on U3; one that does not verify on exactly U3 is rejected.</summary>
    public Acceptance Receive(SurvivorSetSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        lock (_gate)
        {
            if (Refuse(SecAggStage.ConsistencyCheck, signature.SiteId, "survivor-set signature", signature.RoundId) is Acceptance refused) return refused;
            if (signature.Problem(_configuration, _survived, _siteKeys) is string problem) return Acceptance.Rejected(problem);
            _survivorSignatures.Add(signature.SiteId, signature);
            return Answered(signature.SiteId);
        }
    }

    /// <summary>Ends stage 3; returns, per site that signed, U3 with a quorum of signatures on it. Aborts if fewer than
    /// the quorum signed, or if the signers no longer hold t shares of some secret that must be reconstructed (a site that
    /// drops here still has its input in the sum, as in Bonawitz et al.; only its shares are missing).</summary>
    public IReadOnlyDictionary<string, UnmaskRequest> CloseConsistencyCheck()
    {
        lock (_gate)
        {
            RequireStage(SecAggStage.ConsistencyCheck);
            var signers = new SortedSet<string>(_survivorSignatures.Keys, StringComparer.Ordinal);
            // A quorum is all a site checks; more signatures would only cost bandwidth and verification time.
            SurvivorSetSignature[] quorum = [.. signers.Take(_configuration.SignatureQuorum).Select(s => _survivorSignatures[s])];
            return AskNext(SecAggStage.ConsistencyCheck, signers, "survivors signed the survivor set",
                site => new UnmaskRequest(_configuration.RoundId, site, [.. _survived], quorum));
        }
    }

    // ── stage 4 ───────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Takes a survivor's revealed shares; the whole message is rejected if any share is not one the
    /// server asked that site for (another kind, another owner, a repeat).</summary>
    public Acceptance Receive(UnmaskShares shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        lock (_gate)
        {
            string site = shares.SiteId;
            if (Refuse(SecAggStage.Unmask, site, "unmask shares", shares.RoundId) is Acceptance refused) return refused;
            // The site holds shares of exactly its neighbours that shared keys; it reveals one share for each.
            var askedOwners = NeighboursIn(site, _shared).ToHashSet(StringComparer.Ordinal);
            int point = _configuration.ShamirPointOf(site);
            var accepted = new List<(string Owner, ShareKind Kind, SecretShare Share)>();
            foreach (RevealedShare revealed in shares.Shares)
            {
                ShareKind? expected = _ledger.ExpectedKind(revealed.OwnerId);
                if (!askedOwners.Remove(revealed.OwnerId))
                    return Acceptance.Rejected($"site '{site}' revealed a share of site '{revealed.OwnerId}' that was not asked for (or twice)");
                if (revealed.Kind != expected)
                    return Acceptance.Rejected($"site '{site}' revealed a {revealed.Kind} share of site '{revealed.OwnerId}', but the server asked for its "
                        + $"{expected} share: refused, the server never holds both kinds of share of one site");
                try
                {
                    accepted.Add((revealed.OwnerId, revealed.Kind, SecretShare.FromBytes(point, revealed.Share)));
                }
                catch (FormatException e)
                {
                    return Acceptance.Rejected($"site '{site}' revealed a malformed share of site '{revealed.OwnerId}': {e.Message}");
                }
            }
            if (askedOwners.Count > 0)
                return Acceptance.Rejected($"site '{site}' left out the shares of [{string.Join(", ", askedOwners.Order(StringComparer.Ordinal))}]");
            foreach ((string owner, ShareKind kind, SecretShare share) in accepted) _ledger.Add(owner, kind, share);
            _unmasked.Add(site);
            return Answered(site);
        }
    }

    /// <summary>Ends stage 4: reconstructs every needed secret (t shares each, checked against the site's
    /// stage-0 commitment or public key), removes all masks and decodes the sum. The secrets, the dropped sites'
    /// key agreements and the mask expansion each run on up to <see cref="MaskExpander.MaxDegreeOfParallelism"/>
    /// threads; a wrong secret aborts naming the first such site in ordinal order, survivors before dropped sites.</summary>
    public SecAggResult CloseUnmask()
    {
        lock (_gate)
        {
            RequireStage(SecAggStage.Unmask);
            string[] survived = [.. _maskedInputs.Order(StringComparer.Ordinal)];
            string[] dropped = [.. _shared.Where(d => !_maskedInputs.Contains(d) && _ledger.ExpectedKind(d) == ShareKind.MaskKey)];
            ParallelOptions parallel = MaskExpander.Options(_masks.MaxDegreeOfParallelism);

            long clock = Stopwatch.GetTimestamp();
            byte[][] selfMaskSeeds = RebuildOrAbort(survived, "self-mask seed", parallel, (site, seed) =>
                DomainLabels.SelfMaskCommitment(_configuration, site, seed).AsSpan().SequenceEqual(_advertisements[site].SelfMaskCommitment)
                    ? seed : null, "does not match its commitment");
            SecAggKeyPair[] maskKeys = RebuildOrAbort(dropped, "mask key", parallel, (site, key) =>
            {
                SecAggKeyPair keys = SecAggKeyPair.FromPrivateKey(key);
                return keys.PublicKey.AsSpan().SequenceEqual(_advertisements[site].MaskPublicKey) ? keys : null;
            }, "does not match its advertised key");
            double reconstructSeconds = Lap(ref clock);

            // Each survivor's self mask, then each pairwise mask a survivor added with a dropped neighbour, taken out.
            (int Dropped, string Survivor)[] pairs = [.. dropped.SelectMany((site, d) => NeighboursIn(site, _maskedInputs).Select(survivor => (d, survivor)))];
            var removal = new MaskTerm[survived.Length + pairs.Length];
            for (int i = 0; i < survived.Length; i++) removal[i] = new MaskTerm(selfMaskSeeds[i], MaskSign.Subtract);
            Parallel.For(0, pairs.Length, parallel, p =>
            {
                (int d, string survivor) = pairs[p];
                byte[] seed = PairwiseMasks.Seed(maskKeys[d], dropped[d], survivor, _advertisements[survivor].MaskPublicKey, _configuration);
                removal[survived.Length + p] = new MaskTerm(seed, PairwiseMasks.Opposite(PairwiseMasks.SignFor(survivor, dropped[d])));
            });
            double agreementSeconds = Lap(ref clock);

            uint[] sum = _maskedSum!;
            _masks.Apply(sum, removal);
            double expansionSeconds = Lap(ref clock);

            var quantizer = new InputQuantizer(_configuration);
            (float[] weightedSum, long totalWeight) = quantizer.Decode(sum);
            if (totalWeight < survived.Length || totalWeight > survived.Length * _configuration.MaxWeightPerSite)
                Abort(SecAggStage.Unmask, survived.Length, survived.Length, $"the unmasked total weight {totalWeight} is impossible for {survived.Length} sites: an input or a share was wrong");
            int[] levels = quantizer.ToSigned(sum)[..^1];
            UnmaskCosts = new UnmaskCosts(reconstructSeconds, agreementSeconds, expansionSeconds, Lap(ref clock), survived.Length, pairs.Length,
                (long)removal.Length * sum.Length * sizeof(uint), parallel.MaxDegreeOfParallelism);
            Stage = SecAggStage.Completed;
            _maskedSum = null;
            _awaited = [];
            return new SecAggResult(_configuration.RoundId, weightedSum, totalWeight, levels, survived, _configuration.QuantizationStep);
        }
    }

    /// <summary>The kinds of share the server holds for a site: never more than one (tests pin this down).</summary>
    internal IReadOnlyList<ShareKind> ShareKindsHeldFor(string siteId)
    {
        lock (_gate) return _ledger.KindsHeldFor(siteId);
    }

    /// <summary>
    /// Each owner's secret, rebuilt from its shares and turned into what the unmasking uses by <paramref name="checkedValue"/>
    /// (null when the secret fails its check against what the owner published), side by side. Aborts at the first owner, in
    /// the given order, whose secret could not be rebuilt or failed its check.
    /// </summary>
    private T[] RebuildOrAbort<T>(string[] owners, string secret, ParallelOptions parallel, Func<string, byte[], T?> checkedValue, string mismatch)
        where T : class
    {
        var values = new T?[owners.Length];
        var problems = new (int Available, int Required, string Detail)?[owners.Length];
        Parallel.For(0, owners.Length, parallel, i =>
        {
            string owner = owners[i];
            try
            {
                values[i] = checkedValue(owner, _ledger.Reconstruct(owner));
                if (values[i] is null)
                    problems[i] = (_ledger.CountFor(owner), _configuration.Threshold, $"the {secret} rebuilt for site '{owner}' {mismatch}: a survivor revealed a wrong share");
            }
            catch (InsufficientSharesException e)
            {
                problems[i] = (e.Available, e.Threshold, $"only {e.Available} shares of the {secret} of site '{owner}' were revealed");
            }
            catch (InconsistentSharesException)
            {
                problems[i] = (_ledger.CountFor(owner), _configuration.Threshold,
                    $"the shares of the {secret} of site '{owner}' do not fit together: a survivor revealed a wrong share");
            }
        });
        foreach (var problem in problems)
        {
            if (problem is (int available, int required, string detail)) Abort(SecAggStage.Unmask, available, required, detail);
        }
        return values!;
    }

    private static double Lap(ref long clock)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(clock, now).TotalSeconds;
        clock = now;
        return seconds;
    }

    /// <summary>Why a message cannot be taken at all (wrong stage, unknown or unexpected site, repeat), or null.</summary>
    private Acceptance? Refuse(SecAggStage stage, string siteId, string what, long? roundId = null)
    {
        if (roundId is long round && round != _configuration.RoundId)
            return Acceptance.Rejected($"the {what} of site '{siteId}' is for round {round}, not round {_configuration.RoundId}");
        if (Stage != stage)
            return Acceptance.Rejected($"the {what} of site '{siteId}' arrived at stage {Stage} of round {_configuration.RoundId}, not {stage}");
        if (!_configuration.Contains(siteId))
            return Acceptance.Rejected($"site '{siteId}' is not sampled for round {_configuration.RoundId}");
        if (!_awaited.Contains(siteId))
            return Acceptance.Rejected($"site '{siteId}' already answered stage {stage}, or dropped out of round {_configuration.RoundId} before it");
        return null;
    }

    private Acceptance Answered(string siteId)
    {
        _awaited.Remove(siteId);
        return Acceptance.Accepted;
    }

    private SortedSet<string> Survivors(SecAggStage stage, IEnumerable<string> answered, string what)
    {
        string[] answering = [.. answered];
        SortedSet<string> kept = NeighbourhoodPruning.Prune(answering, _graph, _configuration.Threshold);
        if (kept.Count == 0)
            Abort(stage, answering.Length, _configuration.Threshold + 1,
                $"{answering.Length} of {_configuration.SiteIds.Count} sites {what}, and none of them has t = {_configuration.Threshold} neighbours among them");
        return kept;
    }

    /// <summary>Records which share of each site that shared keys is to be revealed (b if it is in U3, s if not) and
    /// aborts if <paramref name="holders"/> hold fewer than t shares of one of them.</summary>
    private void ExpectSharesFrom(SecAggStage stage, IReadOnlySet<string> holders)
    {
        foreach (string owner in _shared)
        {
            bool survived = _survived.Contains(owner);
            int holding = NeighboursIn(owner, holders).Count();
            // A dropped site none of whose neighbours survived left no mask in the sum: nothing to rebuild.
            if (!survived && !NeighboursIn(owner, _survived).Any()) continue;
            if (holding < _configuration.Threshold)
                Abort(stage, holding, _configuration.Threshold,
                    $"only {holding} surviving neighbours of site '{owner}' hold shares of its {(survived ? "self-mask seed" : "mask key")}");
            _ledger.Expect(owner, survived ? ShareKind.SelfMaskSeed : ShareKind.MaskKey);
        }
    }

    /// <summary>Closes <paramref name="closing"/> with <paramref name="asked"/> as the sites the next stage asks: aborts if
    /// they are fewer than the signature quorum or hold too few shares of a needed secret; else one request each.</summary>
    private Dictionary<string, TRequest> AskNext<TRequest>(SecAggStage closing, SortedSet<string> asked, string what, Func<string, TRequest> request)
    {
        if (asked.Count < _configuration.SignatureQuorum)
            Abort(closing, asked.Count, _configuration.SignatureQuorum, $"{asked.Count} {what}, fewer than the survivor-set signature quorum");
        ExpectSharesFrom(closing, asked);
        var requests = asked.ToDictionary(site => site, request, StringComparer.Ordinal);
        Advance(closing + 1, asked);
        return requests;
    }

    private IEnumerable<string> NeighboursIn(string site, IReadOnlySet<string> survivors) => _graph.NeighboursOf(site).Where(survivors.Contains);

    private void RequireStage(SecAggStage stage)
    {
        if (Stage != stage) throw new InvalidOperationException($"round {_configuration.RoundId} is at stage {Stage}; stage {stage} cannot be closed");
    }

    private void Advance(SecAggStage next, IEnumerable<string> asked)
    {
        Stage = next;
        _awaited = asked.ToHashSet(StringComparer.Ordinal);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Abort(SecAggStage stage, int survivors, int required, string detail)
    {
        Stage = SecAggStage.Aborted;
        _maskedSum = null;
        _awaited = [];
        throw new SecAggAbortedException(stage, survivors, required, $"round {_configuration.RoundId}: {detail}");
    }
}
