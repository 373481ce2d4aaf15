using FedFace.Aggregator.Rounds;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Sites;

/// <summary>A sampled site that sits the open round out: the round no longer waits for its answer.</summary>
public sealed class RoundDeclines(CurrentRound rounds, ILogger<RoundDeclines> logger)
{
    private const int MaxReasonLength = 500;

    public DeclineRoundReply Decline(string siteId, long roundNumber, string reason)
    {
        // The reason lands in logs and the round summary: a hostile one must not forge lines, move the cursor or flood.
        reason = SiteText.ForLog(reason, MaxReasonLength);
        OpenRound? round = rounds.OpenNumbered(roundNumber);
        if (round is null)
        {
            return NotRecorded($"round {roundNumber} is not open");
        }
        lock (round.Gate)
        {
            string? notRecorded = round.Closed ? $"round {roundNumber} is not open"
                : !round.IsSampled(siteId) ? $"site {siteId} is not sampled for round {roundNumber}"
                : round.Answers.ContainsKey(siteId) ? $"site {siteId} already answered round {roundNumber}"
                : round.Secure?.HasStarted(siteId) == true ? $"site {siteId} takes part in secure round {roundNumber}: it leaves through SecAggLeave"
                : null;
            if (notRecorded is not null)
            {
                return NotRecorded(notRecorded);
            }
            AggregatorLog.RoundDeclined(logger, roundNumber, siteId, reason);
            round.Secure?.Leave(siteId, $"declined: {reason}");
            round.Record(siteId, new SiteAnswer.Declined(reason));
            return new DeclineRoundReply { Recorded = true };
        }
    }

    private static DeclineRoundReply NotRecorded(string reason) => new() { Recorded = false, Reason = reason };
}
