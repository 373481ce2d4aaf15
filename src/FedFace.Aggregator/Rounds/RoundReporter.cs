using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Strategies;
using FedFace.Core.Privacy;

namespace FedFace.Aggregator.Rounds;

/// <summary>Logs how a round ended and makes its summary for observers.</summary>
public sealed class RoundReporter(CurrentModel model, IAggregationStrategy strategy, ILogger<RoundReporter> logger)
{
    public RoundSummary Summarise(ClosedRound closed, RoundResult result, SecureRoundReport? secure)
    {
        ArgumentNullException.ThrowIfNull(closed);
        ArgumentNullException.ThrowIfNull(result);
        OpenRound round = closed.Round;
        string? hash = result.Committed ? Convert.ToHexStringLower(model.Published.Header.Sha256.Span) : null;
        if (result.Committed)
        {
            AggregatorLog.RoundCommitted(logger, round.Number, result.Outcome, hash);
        }
        else
        {
            AggregatorLog.RoundAborted(logger, round.Number, result.Outcome);
        }
        PrivacySpent? spent = null;
        if (strategy.PrivacySpent is { } privacy)
        {
            spent = privacy.Spent;
            AggregatorLog.PrivacySpent(logger, round.Number, privacy.Spent, privacy.EpsilonBudget);
        }
        return new RoundSummary(round.Number, round.BaseVersion, result.Committed, result.Committed ? model.ModelVersion : null, hash,
            [.. round.SampledSites], closed.Accepted, closed.NotAccepted, round.Updates.TotalExamples, closed.MeanLoss, round.Elapsed.TotalSeconds,
            result.Outcome, spent)
        {
            AveragedModels = result.AveragedModels,
            MeanLocalAccuracy = closed.MeanAccuracy,
            SecureAggregation = secure,
        };
    }
}
