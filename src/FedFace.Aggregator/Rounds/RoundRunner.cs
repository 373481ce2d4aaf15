using System.Diagnostics;
using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// One round, top to bottom: wait for sites, sample and configure, collect, aggregate, then commit or abort. The
/// collection and the aggregation are seams (<see cref="IUpdateCollector"/>, <see cref="IAggregationStrategy"/>).
/// </summary>
public sealed class RoundRunner(SiteRegistry sites, RoundConfigurator configurator, CurrentRound current, IUpdateCollector collector,
    IAggregationStrategy strategy, ServerStep serverStep, RoundCommitter committer, CurrentModel model, FederationStatus status,
    RoundReporter reporter, AggregatorMetrics metrics, IOptions<AggregatorOptions> options)
{
    private readonly int _minSites = options.Value.MinSites;

    /// <summary>The finished round's summary; null when no round opened because the privacy budget cannot afford one more.</summary>
    public async Task<RoundSummary?> RunAsync(CancellationToken cancellationToken)
    {
        RecordPrivacySpent();
        await sites.WaitForLiveSitesAsync(_minSites, cancellationToken);
        OpenRound? round = configurator.Configure(out string refusal);
        if (round is null)
        {
            status.StopForBudget(refusal);
            return null;
        }
        using Activity? span = metrics.RoundOpened(round);
        current.Replace(round);
        CollectionResult collected;
        using (metrics.Stage(RoundStage.Collect))
        {
            collected = await collector.CollectAsync(round, cancellationToken);
        }
        ClosedRound closed = Close(round);
        RoundResult result = collected.AbortReason is { } abort ? RoundResult.Aborted($"{abort}; nothing committed", RoundAbortCause.CollectionFailed)
            : round.Updates.UpdateCount < _minSites
                ? RoundResult.Aborted($"{round.Updates.UpdateCount} valid updates by the deadline, {_minSites} needed; nothing committed", RoundAbortCause.TooFewUpdates)
            : AggregateAndCommit(round);
        RoundSummary summary = reporter.Summarise(closed, result, collected.SecureAggregation);
        metrics.RoundFinished(span, result, round.Elapsed, closed.Accepted.Length);
        status.RecordRound(summary);
        RecordPrivacySpent();
        return summary;
    }

    /// <summary>Read here, on the round loop, which alone moves the accountant.</summary>
    private void RecordPrivacySpent()
    {
        if (strategy.PrivacySpent is { } privacy)
        {
            metrics.PrivacySpent(privacy.Spent.Epsilon, privacy.EpsilonBudget);
        }
    }

    /// <summary>What the round's summary needs of it, taken as it closes: nothing the sites send later changes it.</summary>
    private static ClosedRound Close(OpenRound round)
    {
        lock (round.Gate)
        {
            round.Close();
            return new ClosedRound(round, round.AcceptedSites(),
                round.Answers.Where(a => a.Value is not SiteAnswer.Accepted).ToDictionary(a => a.Key, a => a.Value.Describe(), StringComparer.Ordinal),
                round.MeanLoss(), round.MeanAccuracy());
        }
    }

    /// <summary>
    /// The next global model from the round's updates: the strategy's mean delta, the server optimiser's step with it, and
    /// its last check; committed if it passes.
    /// </summary>
    private RoundResult AggregateAndCommit(OpenRound round)
    {
        PublishedModel before = model.Published;
        AggregatedDelta aggregated;
        CandidateModel candidate;
        using (metrics.Stage(RoundStage.Aggregate))
        {
            aggregated = strategy.Aggregate(round.Plan, round.Updates);
            candidate = serverStep.Take(before, aggregated.MeanDelta);
        }
        if (candidate.Problem is { } problem)
        {
            return RoundResult.Aborted($"the candidate model v{before.Version + 1} was not committed: {problem}; {round.Contributions()}; model v{before.Version} stays",
                RoundAbortCause.ModelRefused);
        }
        PublishedModel published;
        using (metrics.Stage(RoundStage.Commit))
        {
            published = committer.Commit(round.Number, candidate.Model, aggregated.Privacy);
        }
        return new RoundResult(true, $"committed model v{published.Version} from {round.Updates.UpdateCount} updates ({round.Updates.TotalExamples} examples)"
            + candidate.Note + aggregated.Note, candidate.AveragedModels);
    }
}
