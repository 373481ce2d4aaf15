using FedFace.Aggregator.Rounds;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Privacy;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Aggregator.Strategies;

/// <summary>How a round's updates weigh and, with differential privacy, the round's privacy: fixed when it opens.</summary>
/// <param name="Privacy">The round's DP; null without.</param>
public sealed record RoundAggregationPlan(UpdateWeighting Weighting, DpRoundPlan? Privacy)
{
    /// <summary>The round keeps each accepted update, not only their sum: robust rules combine the single updates.</summary>
    public bool HoldsUpdates { get; init; }
}

/// <summary>What a strategy made of a round's updates: the mean delta the server optimiser steps with.</summary>
/// <param name="Privacy">The clip and accountant to commit with the model; null without DP.</param>
/// <param name="Note">What the round's outcome adds about how the mean was made (empty for a plain mean).</param>
public sealed record AggregatedDelta(ModelState MeanDelta, DifferentialPrivacyCheckpoint? Privacy, string Note);

/// <summary>
/// The aggregation seam (Flower's Strategy: configure, then aggregate): how a round's accepted updates become its mean
/// delta. FedAvg is one implementation; differential privacy wraps another; a robust aggregator is one more file.
/// </summary>
public interface IAggregationStrategy
{
    /// <summary>The round's plan, or null with the reason when the round must not open (its privacy cannot be afforded).</summary>
    /// <param name="eligibleSites">Sites the round samples from.</param>
    /// <param name="sampledSites">Sites asked to train.</param>
    /// <param name="minimumSurvivors">The fewest updates the round can commit with.</param>
    RoundAggregationPlan? Configure(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal);

    /// <summary>This strategy's rules for one plain update (its content already checked against the model); null to fold it.</summary>
    Rejection? Check(RoundAggregationPlan plan, UpdateHeader header, ModelState delta);

    /// <summary>What the round folds of an update that passed <see cref="Check"/>: the update itself unless a strategy bounds it.</summary>
    ModelState Bound(RoundAggregationPlan plan, ModelState delta) => delta;

    /// <summary>The most sites a round may sample: a strategy that holds every update caps them to fit its memory bound.</summary>
    int MaxSampledSites => int.MaxValue;

    /// <summary>The mean delta of a round that has enough updates to commit.</summary>
    AggregatedDelta Aggregate(RoundAggregationPlan plan, CollectedUpdates updates);

    /// <summary>What the federation has spent of its privacy budget so far, and the budget's ε; null when it spends none.</summary>
    (PrivacySpent Spent, double EpsilonBudget)? PrivacySpent { get; }
}
