using System.Collections.Concurrent;
using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>
/// One secure round on the aggregator: runs <see cref="SecAggServer"/>'s five stages against their deadlines (a stage
/// closes once every site it asked has answered or left, or at its deadline), takes the sites' messages in the name of
/// the certificate that sent them, and tells each site what the current stage wants of it. Thread-safe.
/// </summary>
public sealed class SecureRound
{
    private readonly object _gate = new();
    private readonly SecAggServer _server;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<string> _advertised = new(StringComparer.Ordinal);
    private readonly HashSet<string> _left = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rejections = new(StringComparer.Ordinal);
    // Per site: its messages are taken one at a time, and the digest of each stage's taken message is kept, so a resend
    // of it (the receipt was lost, the site retried) is accepted again instead of refused as a second answer.
    private readonly ConcurrentDictionary<string, object> _siteGates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(SecAggStage Stage, string Site), byte[]> _taken = new();
    private readonly List<SecAggStageCount> _counts = [];
    private readonly CancellationTokenSource _maskedInputClosing = new();
    private SecAggStage _stage = SecAggStage.AdvertiseKeys;
    // The current stage: whom it asked (with what), who answered, and a signal for each change.
    private IReadOnlyDictionary<string, SecAggStageReply> _requests;
    private HashSet<string> _answered = new(StringComparer.Ordinal);
    private TaskCompletionSource _everyoneAnswered = NewSignal();
    private TaskCompletionSource _stageChanged = NewSignal();
    private string? _abortReason;
    private SecAggResult? _result;

    public SecureRound(RoundConfiguration configuration, ModelVectorLayout layout, SiteKeyRing siteKeys, IEnumerable<byte[]> siteCertificates,
        SecAggStageDeadlines deadlines, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Length != configuration.VectorLength)
            throw new ArgumentException($"the layout holds {layout.Length} elements, the configuration {configuration.VectorLength}", nameof(layout));
        Configuration = configuration;
        Layout = layout;
        Deadlines = deadlines;
        _server = new SecAggServer(configuration, siteKeys);
        _time = time;
        _logger = logger;
        // Stage 0 asks every sampled site; its request is the task itself.
        _requests = configuration.SiteIds.ToDictionary(site => site, _ => Wait("stage 0: advertise your keys"), StringComparer.Ordinal);
        Task = new SecureAggregationTask
        {
            Configuration = ByteString.CopyFrom(configuration.ToBytes()),
            LayoutSha256 = ByteString.CopyFrom(layout.Sha256),
            SiteCertificates = { siteCertificates.Select(ByteString.CopyFrom) },
            AdvertiseKeysDeadlineUnixMs = deadlines.AdvertiseKeys.ToUnixTimeMilliseconds(),
            ShareKeysDeadlineUnixMs = deadlines.ShareKeys.ToUnixTimeMilliseconds(),
            MaskedInputDeadlineUnixMs = deadlines.MaskedInput.ToUnixTimeMilliseconds(),
            ConsistencyCheckDeadlineUnixMs = deadlines.ConsistencyCheck.ToUnixTimeMilliseconds(),
            UnmaskDeadlineUnixMs = deadlines.Unmask.ToUnixTimeMilliseconds(),
        };
    }

    public long Number => Configuration.RoundId;

    public RoundConfiguration Configuration { get; }

    public ModelVectorLayout Layout { get; }

    public SecAggStageDeadlines Deadlines { get; }

    /// <summary>What the round task carries to every sampled site.</summary>
    public SecureAggregationTask Task { get; }

    /// <summary>
    /// Cancelled when the masked-input stage closes, or the round ends before it does: masked inputs still streaming are
    /// cut then, so that a site holding a stream open cannot keep its buffer past the stage.
    /// </summary>
    public CancellationToken MaskedInputClosed => _maskedInputClosing.Token;

    /// <summary>A masked input's byte form is at most this long: 4·(d + 1) bytes of vector and a little framing, id and signature.</summary>
    public long MaxMaskedInputBytes => 4L * Configuration.MaskedLength + 4096;

    /// <summary>Runs the five stages to their end: the unmasked sum, or why the round aborted (nothing is output then).</summary>
    public async Task<SecureRoundOutcome> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CloseAsync(SecAggStage.AdvertiseKeys, () => Replies(_server.CloseAdvertiseKeys(), r => new SecAggStageReply { ShareKeysRequest = Bytes(r.ToBytes()) }), cancellationToken);
            await CloseAsync(SecAggStage.ShareKeys, () => Replies(_server.CloseShareKeys(), r => new SecAggStageReply { MaskedInputRequest = Bytes(r.ToBytes()) }), cancellationToken);
            await CloseAsync(SecAggStage.MaskedInput, () => Replies(_server.CloseMaskedInput(), r => new SecAggStageReply { ConsistencyCheckRequest = Bytes(r.ToBytes()) }), cancellationToken);
            CutMaskedInputStreams();
            await CloseAsync(SecAggStage.ConsistencyCheck, () => Replies(_server.CloseConsistencyCheck(), r => new SecAggStageReply { UnmaskRequest = Bytes(r.ToBytes()) }), cancellationToken);
            await CloseAsync(SecAggStage.Unmask, () =>
            {
                _result = _server.CloseUnmask();
                _logger.LogInformation("Round {Round}: secure sum unmasked: {Contributors} contributors, total weight {Weight}",
                    Number, _result.Contributors.Count, _result.TotalWeight);
                return new Dictionary<string, SecAggStageReply>();
            }, cancellationToken);
        }
        catch (SecAggAbortedException e)
        {
            lock (_gate)
            {
                _abortReason = e.Message;
                Advance(SecAggStage.Aborted, new Dictionary<string, SecAggStageReply>());
            }
            _logger.LogWarning("Round {Round}: {Reason}; nothing is committed", Number, e.Message);
        }
        finally
        {
            CutMaskedInputStreams();
        }
        lock (_gate)
        {
            return new SecureRoundOutcome(_result, new Dictionary<string, string>(_rejections, StringComparer.Ordinal), Report());
        }
    }

    /// <summary>Cancels <see cref="MaskedInputClosed"/>; never under <c>_gate</c>, as the cut streams' callbacks run inside the call.</summary>
    private void CutMaskedInputStreams()
    {
        try
        {
            _maskedInputClosing.Cancel();
        }
        catch (AggregateException e)
        {
            // A stream's own cancellation failing must not fail the round: the stream ends with its call anyway.
            _logger.LogWarning("Round {Round}: cutting the masked-input streams still open failed: {Reason}", Number, e.InnerException?.Message ?? e.Message);
        }
    }

    /// <summary>Waits until every site the stage asked has answered or left, or the stage's deadline; then closes it.</summary>
    private async Task CloseAsync(SecAggStage stage, Func<IReadOnlyDictionary<string, SecAggStageReply>> close, CancellationToken cancellationToken)
    {
        Task everyoneAnswered;
        lock (_gate)
        {
            SignalIfEveryoneAnswered();
            everyoneAnswered = _everyoneAnswered.Task;
        }
        TimeSpan untilDeadline = Deadlines.Of(stage) - _time.GetUtcNow();
        if (untilDeadline > TimeSpan.Zero)
        {
            try
            {
                await everyoneAnswered.WaitAsync(untilDeadline, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The deadline: the stage goes on with whoever answered.
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _counts.Add(new SecAggStageCount(stage, _requests.Count, _answered.Count));
            _logger.LogInformation("Round {Round}: secure stage {Stage} closed: {Answered} of {Asked} sites answered", Number, stage, _answered.Count, _requests.Count);
            Advance(stage + 1, close());
        }
    }

    // ── messages from sites ──────────────────────────────────────────────────────────────────────────

    public SecAggReceipt ReceiveAdvertisement(string caller, byte[] bytes) =>
        Receive(SecAggStage.AdvertiseKeys, caller, bytes, KeyAdvertisement.FromBytes, a => a.SiteId, _server.Receive, "key advertisement");

    public SecAggReceipt ReceiveShares(string caller, byte[] bytes) =>
        Receive(SecAggStage.ShareKeys, caller, bytes, EncryptedShares.FromBytes, s => s.SenderId, _server.Receive, "encrypted shares");

    public SecAggReceipt ReceiveMaskedInput(string caller, byte[] bytes) =>
        Receive(SecAggStage.MaskedInput, caller, bytes, MaskedInput.FromBytes, m => m.SiteId, _server.Receive, "masked input");

    public SecAggReceipt ReceiveSurvivorSignature(string caller, byte[] bytes) =>
        Receive(SecAggStage.ConsistencyCheck, caller, bytes, SurvivorSetSignature.FromBytes, s => s.SiteId, _server.Receive, "survivor-set signature");

    public SecAggReceipt ReceiveUnmaskShares(string caller, byte[] bytes) =>
        Receive(SecAggStage.Unmask, caller, bytes, UnmaskShares.FromBytes, u => u.SiteId, _server.Receive, "unmask shares");

    /// <summary>
    /// Parses a stage message, refuses it unless it is in the caller's own name (the site id it carries and signs is the
    /// one its certificate names), and hands it to the protocol. A byte-identical resend of a message already taken is
    /// accepted again and counted once; another message for a stage the site answered is refused.
    /// </summary>
    private SecAggReceipt Receive<TMessage>(SecAggStage stage, string caller, byte[] bytes, Func<byte[], TMessage> parse, Func<TMessage, string> siteOf,
        Func<TMessage, Acceptance> receive, string what)
    {
        byte[] digest = SHA256.HashData(bytes);
        lock (_siteGates.GetOrAdd(caller, _ => new object()))
        {
            if (_taken.TryGetValue((stage, caller), out byte[]? taken) && taken.AsSpan().SequenceEqual(digest))
            {
                _logger.LogDebug("Round {Round}: site {Site} sent its {What} again; it was taken already", Number, caller, what);
                return new SecAggReceipt { Accepted = true };
            }
            SecAggReceipt receipt = ReceiveOnce(stage, caller, bytes, parse, siteOf, receive, what);
            if (receipt.Accepted)
            {
                _taken[(stage, caller)] = digest;
            }
            return receipt;
        }
    }

    private SecAggReceipt ReceiveOnce<TMessage>(SecAggStage stage, string caller, byte[] bytes, Func<byte[], TMessage> parse, Func<TMessage, string> siteOf,
        Func<TMessage, Acceptance> receive, string what)
    {
        TMessage message;
        try
        {
            message = parse(bytes);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return Refuse(caller, $"the {what} from site '{caller}' is malformed: {e.Message}");
        }
        string named = siteOf(message);
        if (named != caller)
        {
            return Refuse(caller, $"the {what} names site '{named}' but arrived with the certificate of site '{caller}': a site speaks only for itself");
        }
        Acceptance acceptance = receive(message);
        if (!acceptance.IsAccepted)
        {
            return Refuse(caller, acceptance.Reason);
        }
        lock (_gate)
        {
            if (stage == SecAggStage.AdvertiseKeys)
            {
                _advertised.Add(caller);
            }
            // An answer the protocol took just before its stage closed belongs to that stage, not to the next one.
            if (_stage == stage)
            {
                _answered.Add(caller);
                SignalIfEveryoneAnswered();
            }
        }
        return new SecAggReceipt { Accepted = true };
    }

    /// <summary>True once the site's masked input was taken: a stream from it now can only be a resend, answered again whatever the stage.</summary>
    public bool TookMaskedInputFrom(string siteId) => _taken.ContainsKey((SecAggStage.MaskedInput, siteId));

    /// <summary>The site leaves the round: the stage it leaves no longer waits for it.</summary>
    public SecAggReceipt Leave(string caller, string reason)
    {
        reason = SiteText.ForLog(reason, SiteText.DefaultMaxLength);
        if (!Configuration.Contains(caller))
        {
            return new SecAggReceipt { Accepted = false, Reason = $"site '{caller}' is not sampled for round {Number}" };
        }
        lock (_gate)
        {
            if (_left.Add(caller))
            {
                _logger.LogWarning("Round {Round}: site {Site} left the secure round at stage {Stage}: {Reason}", Number, caller, _stage, reason);
            }
            SignalIfEveryoneAnswered();
        }
        return new SecAggReceipt { Accepted = true };
    }

    private SecAggReceipt Refuse(string caller, string reason)
    {
        // A refusal may quote what the site sent; it reaches the log and the round summary.
        reason = SiteText.ForLog(reason, 500);
        _logger.LogWarning("Round {Round}: refused a message from {Site}: {Reason}", Number, caller, reason);
        lock (_gate)
        {
            _rejections[caller] = reason;
        }
        return new SecAggReceipt { Accepted = false, Reason = reason };
    }

    // ── what sites are asked ─────────────────────────────────────────────────────────────────────────

    /// <summary>A site that advertised its keys takes part through the stages, not through a second task.</summary>
    public bool HasStarted(string siteId)
    {
        lock (_gate) return _advertised.Contains(siteId) || _left.Contains(siteId);
    }

    /// <summary>What the current stage wants of the site; when nothing yet, waits up to <paramref name="maxWait"/> for the stage to move.</summary>
    public async Task<SecAggStageReply> InstructionForAsync(string siteId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            SecAggStageReply now = InstructionFor(siteId);
            if (now.InstructionCase != SecAggStageReply.InstructionOneofCase.Wait || maxWait <= TimeSpan.Zero)
            {
                return now;
            }
            changed = _stageChanged.Task;
        }
        try
        {
            await changed.WaitAsync(maxWait, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nothing moved: the site asks again.
        }
        lock (_gate) return InstructionFor(siteId);
    }

    private SecAggStageReply InstructionFor(string siteId)
    {
        SecAggStageReply reply = _stage switch
        {
            _ when !Configuration.Contains(siteId) => Excluded($"site '{siteId}' is not sampled for secure round {Number}"),
            SecAggStage.Aborted => new SecAggStageReply { Aborted = new SecAggAborted { Reason = _abortReason } },
            SecAggStage.Completed => new SecAggStageReply { Completed = Completion(siteId) },
            _ when _left.Contains(siteId) => Excluded($"site '{siteId}' left secure round {Number}"),
            _ when !_requests.TryGetValue(siteId, out _) => Excluded($"site '{siteId}' is not asked for stage {_stage} of round {Number}: it did not answer "
                + "the previous stage by its deadline, or too few of its neighbours did"),
            _ when _answered.Contains(siteId) => Wait($"stage {_stage}: waiting for {_requests.Count - _answered.Count} more sites"),
            _ => _requests[siteId].Clone(),
        };
        if (_stage is not (SecAggStage.Aborted or SecAggStage.Completed))
        {
            reply.StageDeadlineUnixMs = Deadlines.Of(_stage).ToUnixTimeMilliseconds();
        }
        return reply;
    }

    private SecAggCompleted Completion(string siteId) => new()
    {
        InputIncluded = _result!.Contributors.Contains(siteId, StringComparer.Ordinal),
        Outcome = $"the sum of {_result.Contributors.Count} sites' inputs (total weight {_result.TotalWeight}) was unmasked",
    };

    private SecureRoundReport Report() =>
        new(Configuration.SiteIds.Count, Configuration.NeighbourCount, Configuration.Threshold, [.. _counts], _abortReason);

    private void Advance(SecAggStage next, IReadOnlyDictionary<string, SecAggStageReply> requests)
    {
        _stage = next;
        _requests = requests;
        _answered = new HashSet<string>(StringComparer.Ordinal);
        _everyoneAnswered = NewSignal();
        _stageChanged.TrySetResult();
        _stageChanged = NewSignal();
    }

    private void SignalIfEveryoneAnswered()
    {
        if (_requests.Keys.All(site => _answered.Contains(site) || _left.Contains(site)))
        {
            _everyoneAnswered.TrySetResult();
        }
    }

    private static Dictionary<string, SecAggStageReply> Replies<TRequest>(IReadOnlyDictionary<string, TRequest> requests, Func<TRequest, SecAggStageReply> reply) =>
        requests.ToDictionary(e => e.Key, e => reply(e.Value), StringComparer.Ordinal);

    private static ByteString Bytes(byte[] bytes) => UnsafeByteOperations.UnsafeWrap(bytes);

    private static SecAggStageReply Wait(string reason) => new() { Wait = new SecAggWait { Reason = reason } };

    private static SecAggStageReply Excluded(string reason) => new() { Excluded = new SecAggExcluded { Reason = reason } };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
