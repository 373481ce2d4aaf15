using FedFace.Aggregator.Rounds;
using FedFace.Protos.V1;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Sites;

/// <summary>What a site asking for work is told: the open round's task, to wait and why, or that the federation finished.</summary>
public sealed class TaskDispatcher(SiteRegistry sites, CurrentRound rounds, CurrentModel model, FederationStatus status, IOptions<AggregatorOptions> options)
{
    private readonly uint _retryAfterMs = (uint)options.Value.WaitRetryMilliseconds;

    public TaskReply GetTask(string siteId)
    {
        // Asking for work is joining: a site whose Join went to an earlier run of the aggregator
        // (before a restart) is known by its certificate and needs no second handshake.
        if (!sites.IsJoined(siteId))
        {
            sites.Join(siteId);
        }
        if (status.Finished)
        {
            return new TaskReply { Finished = new FederationFinished { FinalModelVersion = model.ModelVersion, Reason = status.FinishReason } };
        }
        if (rounds.Round is not { } round)
        {
            return Wait("no round is open");
        }
        lock (round.Gate)
        {
            return round.Closed ? Wait("no round is open") : TaskFor(round, siteId);
        }
    }

    private TaskReply TaskFor(OpenRound round, string siteId)
    {
        if (!round.IsSampled(siteId))
        {
            return Wait($"not sampled for round {round.Number}");
        }
        // No second task in a round: a refused site is told why, and may still send a corrected update.
        if (round.Answers.TryGetValue(siteId, out SiteAnswer? answer))
        {
            return Wait(answer is SiteAnswer.Accepted
                ? $"update for round {round.Number} already received"
                : $"update for round {round.Number} was rejected ({answer.Describe()})");
        }
        // Secure aggregation: a site that began the protocol follows its stages, and never gets a second task.
        if (round.Secure?.HasStarted(siteId) == true)
        {
            return Wait($"taking part in secure round {round.Number}: its stages come through SecAggGetStage");
        }
        return new TaskReply { Task = round.Task };
    }

    private TaskReply Wait(string reason) => new() { Wait = new WaitInstruction { RetryAfterMs = _retryAfterMs, Reason = reason } };
}
