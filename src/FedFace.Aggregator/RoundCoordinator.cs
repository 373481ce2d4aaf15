using System.Diagnostics;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Core.Training;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The federation's state: who joined, the global model, and the open round. Plain domain object; the
/// gRPC service translates wire calls into calls here and <see cref="RoundLoop"/> drives the rounds.
/// </summary>
public sealed class RoundCoordinator
{
    private readonly AggregatorOptions _options;
    private readonly CheckpointStore _checkpoints;
    private readonly IServerOptimizer _optimizer;
    private readonly ModelSigner _signer;
    private readonly SecureRounds _secureRounds;
    private readonly ILogger<RoundCoordinator> _logger;
    private readonly TimeProvider _time;
    private readonly SiteSampler _sampler;
    private readonly object _gate = new();
    private readonly SortedSet<string> _joinedSites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _declaredFaces = new(StringComparer.Ordinal);
    private readonly SiteLiveness _liveness;
    private TaskCompletionSource _siteJoined = NewSignal();
    private PublishedModel _published = null!;
    private FederationPrivacy? _privacy;
    private long _nextRound;
    private OpenRound? _round;

    public RoundCoordinator(IOptions<AggregatorOptions> options, IServerOptimizer optimizer, ModelSigner signer, SecureRounds secureRounds, ILogger<RoundCoordinator> logger,
        TimeProvider time)
    {
        _options = options.Value;
        _checkpoints = new CheckpointStore(_options.StateDirectory);
        _optimizer = optimizer;
        _signer = signer;
        _secureRounds = secureRounds;
        _logger = logger;
        _time = time;
        _sampler = _options.DeterministicSampling ? SiteSampler.Seeded(_options.SamplingSeed) : SiteSampler.Secure();
        _liveness = new SiteLiveness(TimeSpan.FromSeconds(_options.SiteTimeoutSeconds));
        LoadCommittedState();
    }

    public long ModelVersion => _published.Version;

    public long CommittedRound => _published.Round;

    /// <summary>Every configured round is committed.</summary>
    public bool AllRoundsCommitted => ModelVersion >= _options.TotalRounds;

    /// <summary>Why no further round opens, once one did not for lack of privacy budget; null until then.</summary>
    public string? BudgetStop { get; private set; }

    /// <summary>No further round will open.</summary>
    public bool Done => AllRoundsCommitted || BudgetStop is not null;

    /// <summary>What sites are told when the federation finished.</summary>
    public string FinishReason => BudgetStop ?? $"all {_options.TotalRounds} rounds are committed";

    /// <summary>
    /// The round loop is done, observers included; only then are sites told the federation finished, so a
    /// simulator that stops when its sites stop never cuts the last round's evaluation short.
    /// </summary>
    public bool Finished { get; private set; }

    public void MarkFinished()
    {
        lock (_gate)
        {
            Finished = Done;
        }
    }

    public ModelState GlobalModel
    {
        get { lock (_gate) { return _published.Model; } }
    }

    public int JoinedSiteCount
    {
        get { lock (_gate) { return _joinedSites.Count; } }
    }

    private OptimizerCheckpoint? OptimizerCheckpoint() =>
        _optimizer.ExportState() is { } state ? new OptimizerCheckpoint(_optimizer.Name, state) : null;

    /// <summary>A server optimiser continues with its committed momentum; a changed optimiser starts afresh, said loudly.</summary>
    private void RestoreOptimizer(OptimizerCheckpoint? committed)
    {
        if (committed is null)
        {
            return;
        }
        if (committed.Name != _optimizer.Name)
        {
            _logger.LogWarning("The committed rounds used server optimiser {Committed}; continuing with {Configured} from fresh state",
                committed.Name, _optimizer.Name);
            return;
        }
        _optimizer.RestoreState(committed.State);
    }

    private void LoadCommittedState()
    {
        CommittedState state;
        if (_checkpoints.HasState)
        {
            (state, ModelState model, OptimizerCheckpoint? optimizer, IReadOnlyList<string> damaged) = LoadCheckpoint();
            if (damaged.Count > 0)
            {
                state = RepublishAfterFallBack(state, model, optimizer);
            }
            _published = state.Signature is { } signature && !_signer.SignedWithFormerKey(signature, model.ComputeSha256())
                ? PublishedModel.WithSignature(model, state.ModelVersion, state.CommittedRound, signature)
                : SignUnsignedCheckpoint(model, state);
            RestoreOptimizer(optimizer);
            _logger.LogInformation("Resumed from committed round {Round}: model v{Version} sha256 {Hash}",
                state.CommittedRound, state.ModelVersion, state.ModelSha256);
        }
        else
        {
            if (string.IsNullOrEmpty(_options.InitialModelPath))
            {
                throw new AggregatorStartupException(
                    $"no committed state in {_checkpoints.Directory} and no Aggregator:InitialModelPath to start from");
            }
            ModelState model;
            try
            {
                (model, _) = ModelFile.Read(_options.InitialModelPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new AggregatorStartupException($"Aggregator:InitialModelPath '{_options.InitialModelPath}' cannot be read: {e.Message}", e);
            }
            _published = PublishedModel.Sign(model, version: 0, round: 0, _signer);
            state = _checkpoints.Commit(round: 0, version: 0, model, signature: _published.Signature);
            _logger.LogInformation("Started a new federation from {Path}: {Tensors} tensors, {Parameters:N0} parameters, sha256 {Hash}",
                _options.InitialModelPath, model.Tensors.Count, model.ParameterCount, state.ModelSha256);
        }
        _privacy = FederationPrivacy.Resume(_options.DifferentialPrivacy, state, _options.SampleFraction, _secureRounds.Enabled, _logger);
        _nextRound = CommittedRound + 1;
    }

    /// <summary>
    /// The intact model a fall-back resumed from, committed again under a version above every one on disk: sites keep a
    /// floor of the newest version they accepted, so the lost versions' numbers must never come back with other weights.
    /// </summary>
    private CommittedState RepublishAfterFallBack(CommittedState intact, ModelState model, OptimizerCheckpoint? optimizer)
    {
        long version = _checkpoints.HighestVersionOnDisk() + 1;
        PublishedModel published = PublishedModel.Sign(model, version, intact.CommittedRound, _signer);
        _logger.LogWarning("Publishing the intact model v{Intact} again as v{Version}, above every version on disk", intact.ModelVersion, version);
        return _checkpoints.Commit(intact.CommittedRound, version, model, optimizer, published.Signature, intact.Privacy);
    }

    /// <summary>
    /// The committed checkpoint. A damaged one stops the start, unless the operator allowed falling back to the newest
    /// intact earlier checkpoint: then the rounds after it are lost and run again, which is said loudly.
    /// </summary>
    private LoadedCheckpoint LoadCheckpoint()
    {
        if (!_options.FallBackToIntactCheckpoint)
        {
            try
            {
                (CommittedState state, ModelState model, OptimizerCheckpoint? optimizer) = _checkpoints.Load();
                return new LoadedCheckpoint(state, model, optimizer, []);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new AggregatorStartupException($"the committed checkpoint is damaged: {e.Message}. To resume from the newest intact earlier "
                    + "checkpoint (the rounds after it are lost and run again), start with --Aggregator:FallBackToIntactCheckpoint true", e);
            }
        }
        LoadedCheckpoint loaded;
        try
        {
            loaded = _checkpoints.LoadNewestIntact();
        }
        catch (InvalidDataException e)
        {
            throw new AggregatorStartupException(e.Message, e);
        }
        if (loaded.Damaged.Count > 0)
        {
            if (_options.DifferentialPrivacy.Enabled)
            {
                // The privacy spent by the lost rounds was real (their models went out), and an earlier accountant forgets it.
                throw new AggregatorStartupException($"the committed checkpoint is damaged ({string.Join("; ", loaded.Damaged)}), and with differential "
                    + $"privacy an earlier checkpoint would forget the privacy the later rounds spent: not falling back to model v{loaded.State.ModelVersion}");
            }
            _logger.LogWarning("FALLING BACK TO AN EARLIER CHECKPOINT: {Damaged}. Resuming from the newest intact one, model v{Version} of round {Round}; "
                + "the rounds after it are lost and run again", string.Join("; ", loaded.Damaged), loaded.State.ModelVersion, loaded.State.CommittedRound);
        }
        return loaded;
    }

    /// <summary>
    /// A checkpoint written before models were signed, or signed with the TLS key before models had a signing key of
    /// their own (sites refuse those): the aggregator signs what it committed then. Said loudly, because
    /// whoever could write the state directory could have changed that model; from the next commit on, the signature is kept.
    /// </summary>
    private PublishedModel SignUnsignedCheckpoint(ModelState model, CommittedState state)
    {
        _logger.LogWarning("The committed model v{Version} in {Directory} has {What}; signing it now with the model-signing key",
            state.ModelVersion, _checkpoints.Directory, state.Signature is null ? "no signature (written before models were signed)" : "a signature by its TLS key");
        return PublishedModel.Sign(model, state.ModelVersion, state.CommittedRound, _signer);
    }

    /// <param name="declaredFaces">The faces the site said it trains on (0: not said); bounds its updates' example counts.</param>
    public JoinReply Join(string siteId, long declaredFaces = 0)
    {
        lock (_gate)
        {
            RecordContact(siteId);
            if (declaredFaces > 0)
            {
                _declaredFaces[siteId] = declaredFaces;
            }
            if (_joinedSites.Add(siteId))
            {
                _logger.LogInformation("Site {Site} joined ({Count} sites)", siteId, _joinedSites.Count);
                SignalSiteArrived();
            }
        }
        return new JoinReply { SiteId = siteId, FederationName = _options.FederationName, ProtocolVersion = WireProtocol.Version };
    }

    /// <summary>
    /// A site called (any authenticated call): it counts as live for <see cref="AggregatorOptions.SiteTimeoutSeconds"/>
    /// from now, and a site that had left the sample for its silence is sampled again from the next round.
    /// </summary>
    public void RecordContact(string siteId)
    {
        lock (_gate)
        {
            if (_liveness.Contact(siteId, _time.GetUtcNow()) is { } silent && _joinedSites.Contains(siteId))
            {
                _logger.LogInformation("Site {Site} is back after {Seconds:F0}s of silence: sampled again from the next round", siteId, silent.TotalSeconds);
                SignalSiteArrived();
            }
        }
    }

    private void SignalSiteArrived()
    {
        _siteJoined.TrySetResult();
        _siteJoined = NewSignal();
    }

    /// <summary>The joined sites heard from lately, in site order; logs each site that has just left the sample.</summary>
    private IReadOnlyList<string> LiveSites()
    {
        IReadOnlyList<string> live = _liveness.Live(_joinedSites, _time.GetUtcNow(), out var gone);
        foreach ((string site, TimeSpan silent) in gone)
        {
            _logger.LogWarning("Site {Site} left the sample: not heard from for {Seconds:F0}s (Aggregator:SiteTimeoutSeconds is {Timeout:F0}); it rejoins with its next call",
                site, silent.TotalSeconds, _liveness.Timeout.TotalSeconds);
        }
        return live;
    }

    public TaskReply GetTask(string siteId)
    {
        lock (_gate)
        {
            // Asking for work is joining: a site whose Join went to an earlier run of the aggregator
            // (before a restart) is known by its certificate and needs no second handshake.
            if (!_joinedSites.Contains(siteId))
            {
                Join(siteId);
            }
            if (Finished)
            {
                return new TaskReply { Finished = new FederationFinished { FinalModelVersion = ModelVersion, Reason = FinishReason } };
            }
            if (_round is null || _round.Closed)
            {
                return Wait("no round is open");
            }
            if (!_round.Sampled.Contains(siteId))
            {
                return Wait($"not sampled for round {_round.Number}");
            }
            // No second task in a round: a refused site is told why, and may still send a corrected update.
            if (_round.Outcomes.TryGetValue(siteId, out string? outcome))
            {
                return Wait(outcome == Accepted
                    ? $"update for round {_round.Number} already received"
                    : $"update for round {_round.Number} was rejected ({outcome})");
            }
            // Secure aggregation: a site that began the protocol follows its stages, and never gets a second task.
            if (_round.Secure?.HasStarted(siteId) == true)
            {
                return Wait($"taking part in secure round {_round.Number}: its stages come through SecAggGetStage");
            }
            return new TaskReply { Task = _round.Task };
        }
    }

    private TaskReply Wait(string reason) =>
        new() { Wait = new WaitInstruction { RetryAfterMs = (uint)_options.WaitRetryMilliseconds, Reason = reason } };

    /// <summary>The current global model, or null if <paramref name="version"/> is not the one served.</summary>
    public (ModelHeader Header, ModelState Model)? GetModel(long version)
    {
        lock (_gate)
        {
            return version == ModelVersion ? (_published.Header, _published.Model) : null;
        }
    }

    /// <summary>
    /// True when <paramref name="header"/> declares, hash for hash, the update this site already delivered in the current
    /// round (open or just closed): the reply to the first upload was lost, and the retry must hear that it was accepted,
    /// not that it is a duplicate. It is not folded twice.
    /// </summary>
    public bool IsRetryOfAcceptedUpdate(string siteId, UpdateHeader header)
    {
        lock (_gate)
        {
            return _round is { } round && header.Round == round.Number && !header.DeltaSha256.IsEmpty
                && round.AcceptedHashes.TryGetValue(siteId, out ByteString? accepted) && accepted.Equals(header.DeltaSha256);
        }
    }

    /// <summary>Round-level checks on an upload's header, before its data is read.</summary>
    public Rejection? CheckUploadHeader(string siteId, UpdateHeader header)
    {
        lock (_gate)
        {
            return CheckAgainstRound(siteId, header)
                ?? UpdateValidator.CheckDeclaredLayout(header.Tensors, header.DataBytes, header.ExampleCount, _options.MaxExampleCount, _published.Model)
                ?? CheckAgainstDeclaredFaces(siteId, header.ExampleCount);
        }
    }

    /// <summary>A site that said at joining how many faces it holds counts at most those faces once per local epoch.</summary>
    private Rejection? CheckAgainstDeclaredFaces(string siteId, long exampleCount)
    {
        if (!_declaredFaces.TryGetValue(siteId, out long faces))
        {
            return null;
        }
        long epochs = Math.Max(1, _round!.Task.Training?.LocalEpochs ?? 1);
        return exampleCount > faces * epochs
            ? new Rejection(RejectionCode.BadExampleCount,
                $"the update counts {exampleCount} examples, more than the {faces} faces the site declared at joining times {epochs} local epochs")
            : null;
    }

    /// <summary>Cancelled when <paramref name="round"/> closes (already, if it is not the open round): uploads for it are cut then.</summary>
    public CancellationToken UploadWindow(long round)
    {
        lock (_gate)
        {
            return _round is { Closed: false } open && open.Number == round ? open.Closing.Token : new CancellationToken(canceled: true);
        }
    }

    private Rejection? CheckAgainstRound(string siteId, UpdateHeader header)
    {
        if (header.ProtocolVersion != WireProtocol.Version)
        {
            return new Rejection(RejectionCode.UnsupportedProtocol, $"protocol version {header.ProtocolVersion} is not supported (this aggregator speaks {WireProtocol.Version})");
        }
        if (_round is null)
        {
            return new Rejection(RejectionCode.NoRoundOpen, $"no round is open (update was for round {header.Round})");
        }
        if (header.Round != _round.Number)
        {
            return new Rejection(RejectionCode.WrongRound, $"update is for round {header.Round}, the open round is {_round.Number}");
        }
        if (_round.Secure is not null)
        {
            return new Rejection(RejectionCode.SecureAggregationRequired,
                $"round {_round.Number} is securely aggregated: a site sends its masked input through SecAggStages, never a plain update");
        }
        if (_time.GetUtcNow() > _round.Deadline)
        {
            return new Rejection(RejectionCode.DeadlinePassed, $"round {_round.Number} passed its deadline {_round.Deadline:O}");
        }
        if (_round.Closed)
        {
            return new Rejection(RejectionCode.DeadlinePassed, $"round {_round.Number} is closed: every sampled site had answered");
        }
        if (header.BaseModelVersion != _round.BaseVersion)
        {
            return new Rejection(RejectionCode.WrongModelVersion, $"update was trained from model v{header.BaseModelVersion}, round {_round.Number} trains v{_round.BaseVersion}");
        }
        if (!_round.Sampled.Contains(siteId))
        {
            return new Rejection(RejectionCode.NotSampled, $"site {siteId} is not sampled for round {_round.Number}");
        }
        if (_round.Outcomes.TryGetValue(siteId, out string? outcome) && outcome == Accepted)
        {
            return new Rejection(RejectionCode.Duplicate, $"site {siteId} already delivered an update for round {_round.Number}");
        }
        return null;
    }

    private const string Accepted = "accepted";

    /// <summary>Folds a complete update, whose header passed <see cref="CheckUploadHeader"/>, into the open round's FedAvg sum.</summary>
    public UploadReply SubmitUpdate(string siteId, UpdateHeader header, ModelState delta)
    {
        // Logged with the acceptance, so an operator can spot a site whose local training diverged: its step dwarfs the
        // round's others; and named if the round's model fails its last check. Taken outside the lock: it reads every weight.
        double norm = DeltaClipping.WeightNorm(delta);
        lock (_gate)
        {
            // The layout was checked with the header; the round is checked again because it may have closed
            // while the data streamed in (and an open round means the global model, hence the layout, is unchanged).
            Rejection? rejection = CheckAgainstRound(siteId, header) ?? UpdateValidator.CheckDeclaredHash(header.DeltaSha256.Span, delta)
                ?? UpdateValidator.CheckFinite(delta) ?? _round!.CheckPrivacy(header, delta);
            if (rejection is not null)
            {
                return Reject(siteId, header.Round, rejection);
            }
            OpenRound round = _round!;
            round.Fold(siteId, header, delta);
            round.Outcomes[siteId] = Accepted;
            round.AcceptedHashes[siteId] = header.DeltaSha256;
            round.UpdateNorms[siteId] = norm;
            _logger.LogInformation("Round {Round}: accepted update from {Site} ({Examples} examples, weight delta norm {Norm:G4}, {Accepted}/{Sampled})",
                round.Number, siteId, header.ExampleCount, norm, round.Accumulator.UpdateCount, round.Sampled.Count);
            round.SignalIfEveryoneAnswered();
            return new UploadReply { Accepted = true };
        }
    }

    /// <summary>Logs and records a refusal. Content faults count as the site's answer for this round.</summary>
    public UploadReply Reject(string siteId, long round, Rejection rejection)
    {
        lock (_gate)
        {
            // A reason may quote what the site declared (tensor names): made safe before it reaches the log and the summary.
            rejection = rejection with { Reason = SiteText.ForLog(rejection.Reason, MaxRejectionReasonLength) };
            _logger.LogWarning("Rejected update from {Site} for round {Round}: {Code}: {Reason}", siteId, round, rejection.Code, rejection.Reason);
            bool concernsOpenRound = _round is { Closed: false } open && open.Number == round && open.Sampled.Contains(siteId)
                && rejection.Code is not (RejectionCode.WrongRound or RejectionCode.NoRoundOpen or RejectionCode.Duplicate or RejectionCode.DeadlinePassed);
            if (concernsOpenRound && !_round!.Outcomes.ContainsKey(siteId))
            {
                _round.Outcomes[siteId] = $"{rejection.Code}: {rejection.Reason}";
                _round.SignalIfEveryoneAnswered();
            }
            return new UploadReply { Accepted = false, Rejection = rejection.Code, Reason = rejection.Reason };
        }
    }

    /// <summary>Marks a sampled site as sitting the open round out, so the round no longer waits for its answer.</summary>
    public DeclineRoundReply Decline(string siteId, long roundNumber, string reason)
    {
        // The reason lands in logs and the round summary: a hostile one must not forge lines, move the cursor or flood.
        reason = SiteText.ForLog(reason, MaxDeclineReasonLength);
        lock (_gate)
        {
            string? notRecorded = _round is not { Closed: false } round || round.Number != roundNumber ? $"round {roundNumber} is not open"
                : !round.Sampled.Contains(siteId) ? $"site {siteId} is not sampled for round {roundNumber}"
                : round.Outcomes.ContainsKey(siteId) ? $"site {siteId} already answered round {roundNumber}"
                : round.Secure?.HasStarted(siteId) == true ? $"site {siteId} takes part in secure round {roundNumber}: it leaves through SecAggLeave"
                : null;
            if (notRecorded is not null)
            {
                return new DeclineRoundReply { Recorded = false, Reason = notRecorded };
            }
            _logger.LogWarning("Round {Round}: site {Site} declined it: {Reason}", roundNumber, siteId, reason);
            OpenRound open = _round!;
            open.Secure?.Leave(siteId, $"declined: {reason}");
            open.Outcomes[siteId] = $"declined: {reason}";
            open.SignalIfEveryoneAnswered();
            return new DeclineRoundReply { Recorded = true };
        }
    }

    private const int MaxDeclineReasonLength = 500;
    private const int MaxRejectionReasonLength = 500;

    public void RecordMetrics(string siteId, RoundMetrics metrics)
    {
        if (ReportedMetricsCheck.Problem(metrics) is { } problem)
        {
            _logger.LogWarning("Refused metrics from {Site} for round {Round}: {Problem}", siteId, metrics.Round, problem);
            return;
        }
        lock (_gate)
        {
            if (_round is not null && metrics.Round == _round.Number && _round.Sampled.Contains(siteId))
            {
                _round.Metrics[siteId] = metrics;
            }
        }
        _logger.LogInformation("Site {Site} round {Round}: loss {Loss:F4} over {Examples} examples, {Steps} steps, {Seconds:F1}s",
            siteId, metrics.Round, metrics.MeanLoss, metrics.ExampleCount, metrics.Steps, metrics.TrainSeconds);
    }

    /// <summary>Waits until at least MinSites joined sites are live (heard from within the site timeout).</summary>
    public async Task WaitForSitesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task joined;
            lock (_gate)
            {
                if (LiveSites().Count >= _options.MinSites)
                {
                    return;
                }
                joined = _siteJoined.Task;
            }
            await joined.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One round, top to bottom: sample, open, wait for every answer or the deadline, commit or abort. Null when no round
    /// opened because the privacy budget cannot afford one more (<see cref="BudgetStop"/> says why).
    /// </summary>
    public async Task<RoundSummary?> RunRoundAsync(CancellationToken cancellationToken)
    {
        await WaitForSitesAsync(cancellationToken);
        OpenRound? round = Open();
        if (round is null)
        {
            return null;
        }
        if (round.Secure is { } secure)
        {
            SecureRoundOutcome outcome = await secure.RunAsync(cancellationToken);
            FoldSecureOutcome(round, outcome);
            return WithSecureReport(Close(round), outcome.Report);
        }
        TimeSpan untilDeadline = round.Deadline - _time.GetUtcNow();
        if (untilDeadline > TimeSpan.Zero)
        {
            await Task.WhenAny(round.EveryoneAnswered.Task, Task.Delay(untilDeadline, _time, cancellationToken));
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Close(round);
    }

    /// <summary>Opens the next round; null, and the federation done, when the privacy budget cannot afford it.</summary>
    private OpenRound? Open()
    {
        lock (_gate)
        {
            IReadOnlyList<string> live = LiveSites();
            int wanted = Math.Max(_options.MinSites, (int)Math.Ceiling(_options.SampleFraction * live.Count));
            string[] sampled = _sampler.Sample(live, wanted);
            long number = _nextRound;
            DpRoundPlan? plan = null;
            if (_privacy is not null)
            {
                plan = _privacy.PlanRound(number, live.Count, sampled.Length, MinimumSurvivors(sampled.Length), out string refusal);
                if (plan is null)
                {
                    BudgetStop = refusal;
                    _logger.LogWarning("Round {Round} not opened: {Reason}", number, refusal);
                    return null;
                }
            }
            _nextRound++;
            DateTimeOffset deadline = _time.GetUtcNow().AddSeconds(_options.RoundDeadlineSeconds);
            TrainingPlan training = _options.Training;
            var task = new RoundTask
            {
                Round = number,
                ModelVersion = ModelVersion,
                ModelSha256 = _published.Header.Sha256,
                DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(),
                Training = training.ToTrainingConfig(seed: (ulong)(_options.SamplingSeed * 1_000_003L + number),
                    receivedModelStatistics: _optimizer.WantsReceivedModelStatistics, new FederationProgress(ModelVersion, _options.TotalRounds)),
                ModelRound = CommittedRound,
                Privacy = plan is null ? PrivacyWire.Off : PrivacyWire.ToWire(plan),
            };
            SecureRound? secure = _secureRounds.Enabled ? _secureRounds.Open(number, sampled, _published.Model, deadline, plan?.SiteInstructions) : null;
            task.SecureAggregation = secure?.Task;
            task.Aggregation = secure is null ? AggregationMode.Plain : AggregationMode.SecureAggregation;
            _round = new OpenRound(number, ModelVersion, sampled, deadline, task, plan, _published.Model, _options.SumInSiteOrder) { Secure = secure };
            _logger.LogInformation("Round {Round} open: model v{Version}, sampled {Sampled} of {Live} live sites ({Sites}; {Joined} joined), deadline {Deadline:O}{Privacy}{Secure}",
                number, ModelVersion, sampled.Length, live.Count, string.Join(", ", sampled), _joinedSites.Count, deadline,
                plan is null ? "" : FormattableString.Invariant($", {plan.Mode} DP with clip norm {plan.ClipNorm:G4}"),
                secure is null ? "" : ", secure aggregation");
            return _round;
        }
    }

    /// <summary>
    /// The fewest updates a round of <paramref name="sampledSites"/> can commit with: MinSites, and in a secure round also the
    /// t + 1 masked inputs unmasking needs. Distributed DP sizes each site's noise share for this many survivors, so that
    /// any round that commits carries at least the full noise however many sites dropped out.
    /// </summary>
    private int MinimumSurvivors(int sampledSites) =>
        _secureRounds.Enabled ? Math.Max(_options.MinSites, _secureRounds.MinimumSurvivors(sampledSites)) : _options.MinSites;

    private RoundSummary Close(OpenRound round)
    {
        lock (_gate)
        {
            round.Closed = true;
            _ = round.Closing.CancelAsync(); // the cut uploads' callbacks run elsewhere, not inside this lock
            int accepted = round.Accumulator.UpdateCount;
            var rejected = round.Outcomes.Where(o => o.Value != Accepted).ToDictionary(o => o.Key, o => o.Value);
            double? meanLoss = MeanLoss(round);
            bool commit = accepted >= _options.MinSites;
            string outcome;
            int averagedModels = 1;
            if (commit)
            {
                (commit, outcome, averagedModels) = Commit(round);
            }
            else
            {
                outcome = $"aborted: {accepted} valid updates by the deadline, {_options.MinSites} needed; nothing committed";
            }
            if (commit)
            {
                _logger.LogInformation("Round {Round}: {Outcome}, sha256 {Hash}", round.Number, outcome, Convert.ToHexStringLower(_published.Header.Sha256.Span));
            }
            else
            {
                _logger.LogWarning("Round {Round} {Outcome}", round.Number, outcome);
            }
            PrivacySpent? spent = _privacy?.Spent;
            if (spent is not null)
            {
                _logger.LogInformation("Round {Round}: privacy spent so far {Spent} of the budget ε = {Budget:G4}", round.Number, spent, _privacy!.Budget.EpsilonBudget);
            }
            return new RoundSummary(round.Number, round.BaseVersion, commit, commit ? ModelVersion : null,
                commit ? Convert.ToHexStringLower(_published.Header.Sha256.Span) : null,
                round.Sampled.ToArray(), round.Outcomes.Where(o => o.Value == Accepted).Select(o => o.Key).Order(StringComparer.Ordinal).ToArray(),
                rejected, round.Accumulator.TotalExamples, meanLoss, round.Clock.Elapsed.TotalSeconds, outcome, spent)
            {
                AveragedModels = averagedModels,
            };
        }
    }

    /// <summary>
    /// The next global model from the round's updates: the example-weighted mean, or with differential privacy the noised
    /// unweighted sum over the sites sampled; the server optimiser steps with it. Signed, checkpointed with the optimiser's
    /// and the privacy state, then served. The last round may publish the mean of the last models instead
    /// (<see cref="AggregatorOptions.AverageLastModels"/>).
    /// </summary>
    private (bool Committed, string Outcome, int AveragedModels) Commit(OpenRound round)
    {
        PrivateRound? privateRound = round.Plan is { } plan
            ? _privacy!.Complete(plan, round.Accumulator.ReleaseSum(), round.Accumulator.UpdateCount, round.UnclippedIndicatorSum)
            : null;
        ModelState meanDelta = privateRound?.MeanDelta ?? round.Accumulator.WeightedMean();
        ModelState? committedOptimizerState = _optimizer.ExportState();
        ModelState next = RunningStatistics.WithValidVariances(_optimizer.Apply(_published.Model, meanDelta));
        (string averaged, int averagedModels) = ("", 1);
        if (ModelVersion + 1 == _options.TotalRounds && _options.AverageLastModels > 1)
        {
            (next, averaged, averagedModels) = AverageWithEarlierModels(next);
        }
        if (CandidateModelCheck.Problem(_published.Model, next, _options.MaxModelChangeRatio) is { } problem)
        {
            // The step just taken moved the optimiser's momentum too; left there, it would carry the refused step into every later round.
            if (_optimizer.ExportState() is not null)
            {
                _optimizer.RestoreState(committedOptimizerState ?? new ModelState([]));
            }
            return (false, $"aborted: the candidate model v{ModelVersion + 1} was not committed: {problem}; {round.Contributions()}; model v{ModelVersion} stays", 1);
        }
        PublishedModel published = PublishedModel.Sign(next, ModelVersion + 1, round.Number, _signer);
        _checkpoints.Commit(round.Number, published.Version, next, OptimizerCheckpoint(), published.Signature, privateRound?.Checkpoint);
        _published = published;
        string outcome = $"committed model v{published.Version} from {round.Accumulator.UpdateCount} updates ({round.Accumulator.TotalExamples} examples){averaged}";
        return (true, privateRound is null
            ? outcome
            : outcome + FormattableString.Invariant($", unweighted mean over {round.Plan!.SampledSites} sampled sites with {round.Plan.Mode} noise; next clip norm {privateRound.NextClipNorm:G4}"),
            averagedModels);
    }

    /// <summary>
    /// The final model as the mean of itself and the models committed just before it, read back from the checkpoint
    /// store. If one cannot be read, the round still commits: its own model, with a warning naming the file.
    /// </summary>
    private (ModelState Model, string Note, int Count) AverageWithEarlierModels(ModelState final)
    {
        long first = ModelVersion + 2 - _options.AverageLastModels;
        var models = new List<ModelState>();
        try
        {
            for (long version = first; version <= ModelVersion; version++)
            {
                models.Add(_checkpoints.ReadModel(version));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            _logger.LogWarning("The final model is not averaged with the earlier ones (v{First}-v{Last}): {Error}", first, ModelVersion, e.Message);
            return (final, $"; not averaged: {e.Message}", 1);
        }
        models.Add(final);
        return (ModelAverage.Mean(models), $", published as the mean of models v{first}-v{ModelVersion + 1}", models.Count);
    }

    /// <summary>Example-weighted mean of the local losses reported by sites whose update was accepted.</summary>
    private static double? MeanLoss(OpenRound round)
    {
        var reports = round.Metrics.Where(m => round.Outcomes.GetValueOrDefault(m.Key) == Accepted).Select(m => m.Value).ToArray();
        long examples = reports.Sum(r => r.ExampleCount);
        return examples == 0 ? null : reports.Sum(r => r.MeanLoss * r.ExampleCount) / examples;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ── secure aggregation ───────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The unmasked sum enters the round as one already weighted sum of its contributors' updates, so the round commits
    /// (or not) exactly as a plain one; a site whose message was refused counts as having answered with that refusal.
    /// </summary>
    private void FoldSecureOutcome(OpenRound round, SecureRoundOutcome outcome)
    {
        lock (_gate)
        {
            foreach ((string site, string reason) in outcome.Rejections)
            {
                round.Outcomes[site] = reason;
            }
            if (outcome.Result is { } result)
            {
                round.FoldSecureSum(result);
                foreach (string contributor in result.Contributors)
                {
                    round.Outcomes[contributor] = Accepted;
                }
            }
        }
    }

    private static RoundSummary WithSecureReport(RoundSummary summary, SecureRoundReport report) => summary with
    {
        SecureAggregation = report,
        Outcome = report.AbortReason is null ? summary.Outcome : $"aborted: {report.AbortReason}; nothing committed",
    };

    private sealed class OpenRound(long number, long baseVersion, IReadOnlyCollection<string> sampled, DateTimeOffset deadline, RoundTask task,
        DpRoundPlan? plan, ModelState layout, bool sumInSiteOrder)
    {
        public long Number { get; } = number;
        public long BaseVersion { get; } = baseVersion;
        public HashSet<string> Sampled { get; } = new(sampled, StringComparer.Ordinal);
        public DateTimeOffset Deadline { get; } = deadline;
        public RoundTask Task { get; } = task;
        /// <summary>The round's differential privacy; null without.</summary>
        public DpRoundPlan? Plan { get; } = plan;
        /// <summary>DP-FedAvg weighs every site alike: its delta is bounded by the clip, its example count is not.</summary>
        public FedAvgAccumulator Accumulator { get; } = new(layout, plan is null ? UpdateWeighting.ExampleCount : UpdateWeighting.Uniform, sumInSiteOrder);
        /// <summary>Σ of the accepted updates' adaptive-clipping bits.</summary>
        public double UnclippedIndicatorSum { get; private set; }
        /// <summary>The declared SHA-256 of each accepted update, to know a retry of it (empty from a site that declares none).</summary>
        public Dictionary<string, ByteString> AcceptedHashes { get; } = new(StringComparer.Ordinal);
        /// <summary>The weight norm of each accepted plain update, to name the largest if the round's model is refused.</summary>
        public Dictionary<string, double> UpdateNorms { get; } = new(StringComparer.Ordinal);
        /// <summary>Cancelled when the round closes, cutting uploads still streaming into it.</summary>
        public CancellationTokenSource Closing { get; } = new();
        /// <summary>Per answering site: "accepted" or the rejection.</summary>
        public Dictionary<string, string> Outcomes { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, RoundMetrics> Metrics { get; } = new(StringComparer.Ordinal);
        public TaskCompletionSource EveryoneAnswered { get; } = NewSignal();
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public bool Closed { get; set; }
        /// <summary>Null for a plain round.</summary>
        public SecureRound? Secure { get; init; }

        /// <summary>The round's DP rules for an update; none without DP.</summary>
        public Rejection? CheckPrivacy(UpdateHeader header, ModelState delta) =>
            Plan is null ? null : DpUpdateRejection.Check(delta, header.HasUnclippedIndicator ? header.UnclippedIndicator : null, Plan.SiteInstructions);

        public void Fold(string siteId, UpdateHeader header, ModelState delta)
        {
            Accumulator.Fold(delta, header.ExampleCount, siteId);
            if (header.HasUnclippedIndicator)
            {
                UnclippedIndicatorSum += header.UnclippedIndicator;
            }
        }

        /// <summary>
        /// The unmasked sum: weighted by example counts, or in a DP round each site's clipped delta once (weight 1), followed
        /// by the sum of their adaptive-clipping bits when the round asked for them.
        /// </summary>
        public void FoldSecureSum(SecAggResult result)
        {
            ModelVectorLayout layout = Secure!.Layout;
            ModelState sum = layout.Unflatten(result.WeightedSum);
            if (Plan is null)
            {
                Accumulator.FoldWeightedSum(sum, result.TotalWeight, result.Contributors.Count);
                return;
            }
            // Examples do not weigh in a DP round; the count is what the contributors reported with their metrics.
            long reportedExamples = result.Contributors.Sum(site => Metrics.GetValueOrDefault(site)?.ExampleCount ?? 0);
            Accumulator.FoldUniformSum(sum, result.Contributors.Count, reportedExamples);
            if (layout.ExtraCoordinates > 0)
            {
                UnclippedIndicatorSum += layout.ExtrasOf(result.WeightedSum)[0];
            }
        }

        /// <summary>Which sites' updates the round folded and, for plain rounds, the largest of them: who to look at first.</summary>
        public string Contributions()
        {
            string folded = string.Join(", ", Outcomes.Where(o => o.Value == Accepted).Select(o => o.Key).Order(StringComparer.Ordinal));
            string largest = string.Join(", ", UpdateNorms.OrderByDescending(n => n.Value).Take(3)
                .Select(n => FormattableString.Invariant($"{n.Key} (norm {n.Value:G4})")));
            return Secure is null
                ? $"updates folded: {folded}; largest updates: {largest}"
                : $"updates folded: {folded} (securely aggregated: only their sum was seen)";
        }

        public void SignalIfEveryoneAnswered()
        {
            if (Sampled.All(Outcomes.ContainsKey))
            {
                EveryoneAnswered.TrySetResult();
            }
        }
    }
}
