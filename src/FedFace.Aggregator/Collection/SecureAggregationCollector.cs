using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Collection;

/// <summary>
/// Secure rounds: the SecAgg+ workflow's stages run against their deadlines and yield only the sum of the surviving
/// sites' inputs, which enters the round as one already weighted sum, so the round commits (or not) exactly as a plain
/// one. A site whose message was refused counts as having answered with that refusal.
/// </summary>
public sealed class SecureAggregationCollector(SecureRounds secureRounds, AggregatorMetrics metrics) : IUpdateCollector
{
    /// <summary>The rejection reason counted for a site whose secure-aggregation message was refused.</summary>
    public const string SecureMessageRefused = nameof(SecureMessageRefused);

    /// <summary>Unmasking needs t + 1 masked inputs besides the federation's own minimum.</summary>
    public int MinimumSurvivors(int sampledSites, int minSites) => Math.Max(minSites, secureRounds.MinimumSurvivors(sampledSites));

    public void Prepare(OpenRound round, ModelState global)
    {
        ArgumentNullException.ThrowIfNull(round);
        SecureRound secure = secureRounds.Open(round.Number, round.SampledSites, global, round.Deadline, round.Plan.Privacy?.SiteInstructions);
        round.Task.SecureAggregation = secure.Task;
        round.Task.Aggregation = AggregationMode.SecureAggregation;
        round.Secure = secure;
    }

    public async Task<CollectionResult> CollectAsync(OpenRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        SecureRound secure = round.Secure ?? throw new InvalidOperationException($"round {round.Number} was not prepared as a secure round");
        SecureRoundOutcome outcome = await secure.RunAsync(cancellationToken);
        lock (round.Gate)
        {
            foreach ((string site, string reason) in outcome.Rejections)
            {
                round.Record(site, new SiteAnswer.SecureMessageRefused(reason));
                metrics.UpdateRejected(SecureMessageRefused);
            }
            if (outcome.Result is { } result)
            {
                long reportedExamples = result.Contributors.Sum(site => round.Metrics.GetValueOrDefault(site)?.ExampleCount ?? 0);
                round.Updates.FoldSecureSum(result, secure.Layout, reportedExamples);
                foreach (string contributor in result.Contributors)
                {
                    round.Record(contributor, new SiteAnswer.Accepted());
                }
                metrics.UpdatesAccepted(result.Contributors.Count);
            }
        }
        return new CollectionResult(outcome.Report.AbortReason, outcome.Report);
    }
}
