using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Collection;

/// <summary>
/// Plain uploads as they arrive: the header is checked against the open round before any data is read, the complete
/// update against the model and the aggregation strategy's rules, and an accepted one is folded into the round at once.
/// </summary>
public sealed class PlainUploads(CurrentRound rounds, CurrentModel model, SiteRegistry sites, IAggregationStrategy strategy,
    AggregatorMetrics metrics, IOptions<AggregatorOptions> options, TimeProvider time, ILogger<PlainUploads> logger)
{
    private const int MaxRejectionReasonLength = 500;

    private readonly long _maxExampleCount = options.Value.MaxExampleCount;

    /// <summary>
    /// True when <paramref name="header"/> declares, hash for hash, the update this site already delivered in the current
    /// round (open or just closed): the reply to the first upload was lost, and the retry must hear that it was accepted,
    /// not that it is a duplicate. It is not folded twice.
    /// </summary>
    public bool IsRetryOfAcceptedUpdate(string siteId, UpdateHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (rounds.Round is not { } round || header.Round != round.Number || header.DeltaSha256.IsEmpty)
        {
            return false;
        }
        lock (round.Gate)
        {
            return round.AcceptedHashes.TryGetValue(siteId, out ByteString? accepted) && accepted.Equals(header.DeltaSha256);
        }
    }

    /// <summary>The round and layout checks on an upload's header; the admitted upload, or null with the rejection.</summary>
    public AdmittedUpload? Admit(string siteId, UpdateHeader header, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(header);
        OpenRound? round = rounds.Round;
        if (round is null)
        {
            rejection = UploadRoundCheck.Check(null, siteId, header, time.GetUtcNow());
            return null;
        }
        lock (round.Gate)
        {
            rejection = UploadRoundCheck.Check(round, siteId, header, time.GetUtcNow());
        }
        // An open round trains the served model: its layout is the one updates must have.
        rejection ??= UpdateValidator.CheckDeclaredLayout(header.Tensors, header.DataBytes, header.ExampleCount, _maxExampleCount, model.Model)
            ?? CheckAgainstDeclaredFaces(round, siteId, header.ExampleCount);
        return rejection is null ? new AdmittedUpload(siteId, header, round) : null;
    }

    /// <summary>A site that said at joining how many faces it holds counts at most those faces once per local epoch.</summary>
    private Rejection? CheckAgainstDeclaredFaces(OpenRound round, string siteId, long exampleCount)
    {
        if (sites.DeclaredFaces(siteId) is not { } faces)
        {
            return null;
        }
        long epochs = Math.Max(1, round.Task.Training?.LocalEpochs ?? 1);
        return exampleCount > faces * epochs
            ? new Rejection(RejectionCode.BadExampleCount,
                $"the update counts {exampleCount} examples, more than the {faces} faces the site declared at joining times {epochs} local epochs")
            : null;
    }

    /// <summary>Folds the complete update of an admitted upload into its round, unless its content or the round's state refuses it.</summary>
    public UploadReply Submit(AdmittedUpload upload, ModelState delta)
    {
        ArgumentNullException.ThrowIfNull(upload);
        (string siteId, UpdateHeader header, OpenRound round) = upload;
        // Logged with the acceptance, so an operator can spot a site whose local training diverged: its step dwarfs the
        // round's others; and named if the round's model fails its last check. Taken outside the gate: it reads every weight.
        double norm = DeltaClipping.WeightNorm(delta);
        Rejection? content = UpdateValidator.CheckDeclaredHash(header.DeltaSha256.Span, delta) ?? UpdateValidator.CheckFinite(delta)
            ?? strategy.Check(round.Plan, header, delta);
        ModelState folded = content is null ? strategy.Bound(round.Plan, delta) : delta;
        Rejection? rejection;
        lock (round.Gate)
        {
            // The round may have closed, or taken another update from this site, while the data streamed in.
            rejection = round.StopsTaking(siteId, time.GetUtcNow()) ?? content;
            if (rejection is null)
            {
                round.Updates.Fold(siteId, header, folded);
                round.AcceptedHashes[siteId] = header.DeltaSha256;
                round.UpdateNorms[siteId] = norm;
                round.Record(siteId, new SiteAnswer.Accepted());
                metrics.UpdatesAccepted();
                AggregatorLog.UpdateAccepted(logger, round.Number, siteId, header.ExampleCount, norm, round.Updates.UpdateCount, round.SampledSites.Count);
            }
        }
        return rejection is null ? new UploadReply { Accepted = true } : Reject(siteId, header.Round, rejection);
    }

    /// <summary>Logs and answers a refusal. Content faults count as the site's answer for the open round.</summary>
    public UploadReply Reject(string siteId, long roundNumber, Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        // A reason may quote what the site declared (tensor names): made safe before it reaches the log and the summary.
        rejection = rejection with { Reason = SiteText.ForLog(rejection.Reason, MaxRejectionReasonLength) };
        metrics.UpdateRejected(rejection.Code.ToString());
        AggregatorLog.UpdateRejected(logger, siteId, roundNumber, rejection.Code, rejection.Reason);
        bool aboutTheUpload = rejection.Code is not (RejectionCode.WrongRound or RejectionCode.NoRoundOpen or RejectionCode.Duplicate or RejectionCode.DeadlinePassed);
        if (aboutTheUpload && rounds.OpenNumbered(roundNumber) is { } round)
        {
            lock (round.Gate)
            {
                if (!round.Closed && round.IsSampled(siteId) && !round.Answers.ContainsKey(siteId))
                {
                    round.Record(siteId, new SiteAnswer.Rejected(rejection));
                }
            }
        }
        return new UploadReply { Accepted = false, Rejection = rejection.Code, Reason = rejection.Reason };
    }
}
