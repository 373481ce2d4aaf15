using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Instruction = FedFace.Protos.V1.SecAggStageReply.InstructionOneofCase;

namespace FedFace.Transport.SecureAggregation;

/// <summary>
/// One site's part in one secure round over the wire. <see cref="Start"/> advertises the site's keys and shares them in
/// the background, so those stages run while the site trains; <see cref="ContributeAsync"/> then masks the delta,
/// streams it and reveals the shares the aggregator needs to unmask the sum. The edge client, the test kit and the
/// benchmark all take part through this class. A refused message or request makes the site leave the round: it is a
/// verdict, never resent; only transport faults are retried.
/// </summary>
public sealed class SecAggParticipant : IAsyncDisposable
{
    /// <summary>How long one stage query may wait at the aggregator for the stage to move.</summary>
    private const uint LongPollMilliseconds = 15_000;

    private readonly RoundTask _task;
    private readonly SecureRoundTerms _terms;
    private readonly SecAggClient _protocol;
    private readonly SecAggStages.SecAggStagesClient _stages;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;
    private readonly ISecAggStageObserver? _observer;
    private readonly CancellationTokenSource _stop;
    private readonly Task<SecAggEnd?> _keys;
    private readonly SemaphoreSlim? _maskingTurns;
    private bool _left;

    private SecAggParticipant(RoundTask task, SecureRoundTerms terms, AggregatorConnection connection, ResiliencePipeline retry, ILogger logger,
        ISecAggStageObserver? observer, MaskExpander? masks, SemaphoreSlim? maskingTurns, CancellationToken cancellationToken)
    {
        _maskingTurns = maskingTurns;
        _task = task;
        _terms = terms;
        SiteId = connection.SiteId;
        _protocol = new SecAggClient(SiteId, terms.Configuration, SiteKeyRing.Signer(connection.SigningKey!), terms.SiteKeys, masks);
        _stages = connection.SecAgg;
        _retry = retry;
        _logger = logger;
        _observer = observer;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _keys = Task.Run(() => ExchangeKeysAsync(_stop.Token));
    }

    /// <summary>Checks the round's terms and starts stages 0 and 1 in the background.</summary>
    /// <param name="maskingTurns">shared by the sites of one process: taken from computing the masked input until the
    /// aggregator's receipt for it (see <c>SitesInProcess</c>); null for a site alone in its process.</param>
    /// <exception cref="SecAggProtocolException">the site refuses the round (unsafe configuration, a certificate the CA does not vouch for, ...).</exception>
    public static SecAggParticipant Start(RoundTask task, AggregatorConnection connection, ResiliencePipeline retry, ILogger logger,
        ISecAggStageObserver? observer = null, MaskExpander? masks = null, SemaphoreSlim? maskingTurns = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.SigningKey is null)
            throw new SecAggProtocolException($"site '{connection.SiteId}' has no ECDSA certificate key to sign its secure-aggregation messages with");
        return new SecAggParticipant(task, SecureRoundTerms.Read(task, connection.SiteId, connection.FederationCa), connection, retry, logger, observer,
            masks, maskingTurns, cancellationToken);
    }

    public string SiteId { get; }

    public long Round => _task.Round;

    public RoundConfiguration Configuration => _terms.Configuration;

    /// <summary>
    /// Stages 2 to 4: once the key stages are done, flattens the protected delta in the global model's layout (with
    /// differential privacy followed by its adaptive-clipping bit, so only the sum of the bits is revealed), clips,
    /// quantizes, weights (example count capped at the round's maximum; 1 with differential privacy) and masks it, streams
    /// it, signs the survivor set, reveals the requested shares, and waits for the round's end.
    /// </summary>
    /// <param name="update">The delta after the round's protection (<see cref="ProtectedUpdate.For"/>): with DP clipped and, distributed, noised.</param>
    public async Task<SecAggEnd> ContributeAsync(ModelState global, ProtectedUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (await _keys is { } endedEarly)
        {
            return endedEarly;
        }
        ModelVectorLayout layout = LayoutOf(global);
        if (LayoutProblem(layout) is string problem)
        {
            return await LeaveAsync(problem, cancellationToken);
        }
        SecAggEnd? ended = await AnswerAsync(SecAggStage.MaskedInput, Instruction.MaskedInputRequest, reply =>
            {
                // Flattened and encoded only once asked for: a simulator's thousand sites wait for this stage together,
                // and each site's vectors would be held through the wait (4 bytes a value, twice).
                float[] vector = layout.Flatten(update.Delta, update.Header.HasUnclippedIndicator ? [update.Header.UnclippedIndicator] : []);
                byte[] input = _protocol.MaskInput(MaskedInputRequest.FromBytes(reply.MaskedInputRequest.ToByteArray()), Encode(vector, update.Header.ExampleCount))
                    .ToBytes();
                return ct => SendMaskedInputAsync(_stages, Round, input, ct);
            }, cancellationToken, _maskingTurns)
            ?? await AnswerAsync(SecAggStage.ConsistencyCheck, Instruction.ConsistencyCheckRequest, reply =>
            {
                byte[] signature = _protocol.ConfirmSurvivors(ConsistencyCheckRequest.FromBytes(reply.ConsistencyCheckRequest.ToByteArray())).ToBytes();
                return async ct => await _stages.SecAggConfirmSurvivorsAsync(new SecAggSurvivorSignature { ProtocolVersion = WireProtocol.Version,
                    Round = Round, Signature = UnsafeByteOperations.UnsafeWrap(signature) }, cancellationToken: ct);
            }, cancellationToken)
            ?? await AnswerAsync(SecAggStage.Unmask, Instruction.UnmaskRequest, reply =>
            {
                byte[] shares = _protocol.Unmask(UnmaskRequest.FromBytes(reply.UnmaskRequest.ToByteArray())).ToBytes();
                return async ct => await _stages.SecAggUnmaskAsync(new SecAggUnmaskShares { ProtocolVersion = WireProtocol.Version, Round = Round,
                    Shares = UnsafeByteOperations.UnsafeWrap(shares) }, cancellationToken: ct);
            }, cancellationToken);
        return ended ?? EndOf(await NextInstructionAsync(cancellationToken));
    }

    /// <summary>Leaves the round (best effort: the aggregator then stops waiting for this site) and says why.</summary>
    public async Task<SecAggEnd> LeaveAsync(string reason, CancellationToken cancellationToken)
    {
        _logger.LogWarning("Round {Round}: leaving the secure round: {Reason}", Round, reason);
        if (!_left)
        {
            _left = true;
            try
            {
                await _stages.SecAggLeaveAsync(new SecAggLeaveRequest { ProtocolVersion = WireProtocol.Version, Round = Round, Reason = reason },
                    cancellationToken: cancellationToken);
            }
            catch (RpcException e)
            {
                _logger.LogWarning("Round {Round}: could not tell the aggregator this site left ({Status}); it waits for the stage's deadline", Round, e.StatusCode);
            }
        }
        return new SecAggEnd(false, $"left the round: {reason}");
    }

    /// <summary>Streams a masked input's byte form: a header, then chunks of at most 1 MiB. One attempt; the caller retries.</summary>
    public static async Task<SecAggReceipt> SendMaskedInputAsync(SecAggStages.SecAggStagesClient stages, long round, byte[] maskedInput,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(maskedInput);
        using AsyncClientStreamingCall<SecAggMaskedInputChunk, SecAggReceipt> call = stages.SecAggUploadMaskedInput(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new SecAggMaskedInputChunk { Header = new SecAggMaskedInputHeader
            {
                ProtocolVersion = WireProtocol.Version, Round = round, MaskedInputBytes = maskedInput.Length,
            } }, cancellationToken);
            for (int offset = 0; offset < maskedInput.Length; offset += TensorWire.DefaultChunkBytes)
            {
                int length = Math.Min(TensorWire.DefaultChunkBytes, maskedInput.Length - offset);
                await call.RequestStream.WriteAsync(new SecAggMaskedInputChunk { Data = UnsafeByteOperations.UnsafeWrap(maskedInput.AsMemory(offset, length)) },
                    cancellationToken);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // The aggregator answered before reading everything (it refused the header), or the transport failed: the reply says which.
        }
        return await call.ResponseAsync;
    }

    /// <summary>Stages 0 and 1, while the site trains: null when they went through, else how the round ended for this site.</summary>
    private async Task<SecAggEnd?> ExchangeKeysAsync(CancellationToken cancellationToken)
    {
        await BeforeStageAsync(SecAggStage.AdvertiseKeys, cancellationToken);
        byte[] advertisement = _protocol.AdvertiseKeys().ToBytes();
        SecAggReceipt advertised = await _retry.ExecuteAsync(async ct => await _stages.SecAggAdvertiseKeysAsync(new SecAggKeyAdvertisement
        {
            ProtocolVersion = WireProtocol.Version, Round = Round, Advertisement = UnsafeByteOperations.UnsafeWrap(advertisement),
        }, cancellationToken: ct), cancellationToken);
        if (!advertised.Accepted)
        {
            return await LeaveAsync($"the aggregator refused this site's key advertisement: {advertised.Reason}", cancellationToken);
        }
        return await AnswerAsync(SecAggStage.ShareKeys, Instruction.ShareKeysRequest, reply =>
        {
            byte[] shares = _protocol.ShareKeys(ShareKeysRequest.FromBytes(reply.ShareKeysRequest.ToByteArray())).ToBytes();
            return async ct => await _stages.SecAggShareKeysAsync(new SecAggEncryptedShares { ProtocolVersion = WireProtocol.Version, Round = Round,
                Shares = UnsafeByteOperations.UnsafeWrap(shares) }, cancellationToken: ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Waits for the stage's request, computes the answer and sends it (retrying transport faults only): null when the
    /// aggregator took it, else how the round ended for this site. With <paramref name="turns"/>, a turn is held from
    /// computing the answer until its receipt.
    /// </summary>
    private async Task<SecAggEnd?> AnswerAsync(SecAggStage stage, Instruction expected, Func<SecAggStageReply, Func<CancellationToken, Task<SecAggReceipt>>> answer,
        CancellationToken cancellationToken, SemaphoreSlim? turns = null)
    {
        SecAggStageReply reply = await NextInstructionAsync(cancellationToken);
        if (reply.InstructionCase != expected)
        {
            return EndOf(reply);
        }
        await BeforeStageAsync(stage, cancellationToken);
        if (turns is not null)
        {
            await turns.WaitAsync(cancellationToken);
        }
        SecAggReceipt receipt;
        try
        {
            Func<CancellationToken, Task<SecAggReceipt>> send;
            try
            {
                send = answer(reply);
            }
            catch (Exception e) when (e is SecAggProtocolException or FormatException)
            {
                return await LeaveAsync($"this site refuses the aggregator's {stage} request: {e.Message}", cancellationToken);
            }
            receipt = await _retry.ExecuteAsync(async ct => await send(ct), cancellationToken);
        }
        finally
        {
            turns?.Release();
        }
        return receipt.Accepted ? null : await LeaveAsync($"the aggregator refused this site's {stage} answer: {receipt.Reason}", cancellationToken);
    }

    /// <summary>Asks what the round wants until it is more than "wait" (each ask may wait at the aggregator for the stage to move).</summary>
    private async Task<SecAggStageReply> NextInstructionAsync(CancellationToken cancellationToken)
    {
        var request = new SecAggStageRequest { ProtocolVersion = WireProtocol.Version, Round = Round, MaxWaitMs = LongPollMilliseconds };
        while (true)
        {
            SecAggStageReply reply = await _retry.ExecuteAsync(async ct => await _stages.SecAggGetStageAsync(request, cancellationToken: ct), cancellationToken);
            if (reply.InstructionCase != Instruction.Wait)
            {
                return reply;
            }
        }
    }

    private async ValueTask BeforeStageAsync(SecAggStage stage, CancellationToken cancellationToken)
    {
        if (_observer is not null)
        {
            await _observer.BeforeStageAsync(SiteId, Round, stage, cancellationToken);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The words to mask: with distributed DP the clipped delta quantized and noised in integers with the exact discrete
    /// Gaussian (<see cref="DiscreteGaussianEncoder"/>); otherwise quantized as it is, weighted.
    /// </summary>
    private uint[] Encode(float[] vector, long exampleCount)
    {
        if (_terms.Privacy is { } privacy && privacy.AddsNoise)
        {
            using var random = new CryptoRandomWords();
            return new DiscreteGaussianEncoder(Configuration, privacy).Encode(vector, random);
        }
        return _protocol.Quantizer.Encode(vector, WeightOf(exampleCount));
    }

    /// <summary>Every site weighs the same in a DP round (its delta's bound is the sensitivity); otherwise by examples, up to the round's maximum.</summary>
    private long WeightOf(long exampleCount)
    {
        if (_terms.Privacy is not null)
        {
            return SecureDpQuantization.SiteWeight;
        }
        long weight = Math.Clamp(exampleCount, 1, Configuration.MaxWeightPerSite);
        if (weight != exampleCount)
        {
            _logger.LogInformation("Round {Round}: weighting the secure update with {Weight}, the round's maximum per site, not {Examples} examples",
                Round, weight, exampleCount);
        }
        return weight;
    }

    private ModelVectorLayout LayoutOf(ModelState global) =>
        ModelVectorLayout.Of(global, _terms.Privacy is { } privacy ? SecureDpQuantization.ExtraCoordinates(privacy) : 0);

    private string? LayoutProblem(ModelVectorLayout layout)
    {
        if (!layout.Sha256.AsSpan().SequenceEqual(_terms.LayoutSha256))
            return $"round {Round}'s vector layout hash does not match the global model's tensors: the sum would not line up with them";
        return layout.Length == Configuration.VectorLength
            ? null
            : $"round {Round} aggregates {Configuration.VectorLength} elements, the global model has {layout.Length}";
    }

    private SecAggEnd EndOf(SecAggStageReply reply) => reply.InstructionCase switch
    {
        Instruction.Completed => new SecAggEnd(reply.Completed.InputIncluded, $"round {Round} completed: {reply.Completed.Outcome}"),
        Instruction.Aborted => new SecAggEnd(false, $"round {Round} aborted: {reply.Aborted.Reason}"),
        Instruction.Excluded => new SecAggEnd(false, $"round {Round} goes on without this site: {reply.Excluded.Reason}"),
        _ => new SecAggEnd(false, $"round {Round}: the aggregator asked for {reply.InstructionCase} out of turn"),
    };

    /// <summary>Stops the key stages if they still run (the site gave up on the round).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _keys;
        }
        catch (OperationCanceledException)
        {
            // stopped, as asked
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            _logger.LogDebug("Round {Round}: the key stages ended with {Fault}", Round, e.Message);
        }
        _stop.Dispose();
    }
}
