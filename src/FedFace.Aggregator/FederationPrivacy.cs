using System.Globalization;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator;

/// <summary>What differential privacy made of a committed round.</summary>
/// <param name="MeanDelta">The noised sum over the sites sampled: what the server optimiser applies.</param>
/// <param name="Checkpoint">The clip and accountant to commit with the model.</param>
/// <param name="Spent">(ε, δ) after this round.</param>
/// <param name="NextClipNorm">C for the next round.</param>
public sealed record PrivateRound(ModelState MeanDelta, DifferentialPrivacyCheckpoint Checkpoint, PrivacySpent Spent, double NextClipNorm);

/// <summary>
/// The federation's client-level differential privacy (DP-FedAvg) from round to round: fixes a round's DP when it opens,
/// refusing one the budget cannot afford; turns a committed round's sum of clipped deltas into the noised mean to
/// publish; and carries the clip and the accountant from commit to commit, so a restarted aggregator continues ε
/// instead of starting it from zero.
/// </summary>
public sealed class FederationPrivacy
{
    private readonly DifferentialPrivacySettings _settings;
    private readonly DpAggregationStep _step;
    private readonly RdpAccountant _accountant;
    private readonly bool _secureAggregation;
    private double _clipNorm;

    /// <param name="secureAggregation">Rounds are securely aggregated: distributed noise is then added by sites in integers (see <see cref="DpRoundPlan.IntegerNoise"/>).</param>
    public FederationPrivacy(DifferentialPrivacySettings settings, DifferentialPrivacyCheckpoint committed, bool secureAggregation = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(committed);
        _step = new DpAggregationStep(settings);
        _settings = settings;
        _secureAggregation = secureAggregation;
        Budget = settings.Budget();
        _accountant = committed.RestoreAccountant();
        // Only adaptive clipping moves the clip; a fixed one follows the settings, even if they changed since.
        _clipNorm = settings.Adaptive is null ? settings.ClipNorm : committed.ClipNorm;
    }

    public DifferentialPrivacyMode Mode => _settings.Mode;

    public PrivacyBudget Budget { get; }

    public PrivacySpent Spent => _accountant.Spent(_settings.Delta);

    public long RoundsAccounted => _accountant.RoundsComposed;

    /// <summary>Sites add their noise shares in integers after quantization: secure distributed rounds.</summary>
    private bool IntegerNoise => _secureAggregation && Mode == DifferentialPrivacyMode.Distributed;

    /// <summary>
    /// The DP of the federation the settings and the last commit describe, or null when DP is off; logs what it is and
    /// what is spent. Says loudly when the committed rounds were trained under other privacy than the settings now ask for.
    /// </summary>
    /// <param name="samplingRate">About the share of sites a round samples, to estimate the rounds the budget still affords.</param>
    /// <param name="secureAggregation">Rounds are securely aggregated: the aggregator sees only the sum, noise shares included.</param>
    public static FederationPrivacy? Resume(DifferentialPrivacySettings settings, CommittedState committed, double samplingRate, bool secureAggregation,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(committed);
        if (!settings.Enabled)
        {
            if (committed.Privacy is { } earlier)
            {
                logger.LogWarning("Differential privacy is off, but the committed rounds ran with it ({Spent} after {Rounds} rounds): the rounds from now on are not private",
                    earlier.RestoreAccountant().Spent(settings.Delta), earlier.Accountant.Compositions.Sum(c => c.Rounds));
            }
            return null;
        }
        if (committed.Privacy is null && committed.CommittedRound > 0)
        {
            logger.LogWarning("Differential privacy is on, but the {Rounds} committed rounds ran without it: ε counts only the rounds from now on",
                committed.CommittedRound);
        }
        var privacy = new FederationPrivacy(settings, committed.Privacy ?? DifferentialPrivacyCheckpoint.Initial(settings), secureAggregation);
        logger.LogInformation("{Privacy}", privacy.Describe(samplingRate));
        if (secureAggregation)
        {
            logger.LogInformation("Differential privacy inside secure rounds: sites clip, quantize (and add their noise shares as discrete Gaussians, in integers) before masking and weigh 1; "
                + "each round sizes its secure clip norm, coordinate bound and maximum weight from its DP clip and noise, so "
                + "Aggregator:SecureAggregation:ClipNorm, CoordinateBound and MaxWeightPerSite are not used");
            if (privacy.Mode == DifferentialPrivacyMode.Distributed && settings.AssumeSecretSampling)
            {
                logger.LogWarning("Aggregator:DifferentialPrivacy:AssumeSecretSampling is ignored: secure distributed rounds add discrete Gaussian noise in integers, "
                    + "and the sampled Gaussian's amplification bound does not cover it; every round is accounted at q = 1");
            }
        }
        else if (privacy.Mode == DifferentialPrivacyMode.Distributed)
        {
            logger.LogWarning("Distributed differential privacy under plain aggregation: this aggregator sees each site's update with only "
                + "the site's share of the noise (the published model still carries all of it); secure aggregation would hide them");
        }
        return privacy;
    }

    /// <summary>A sentence for the start-up log: the mechanism, the budget, what is spent and about how many rounds still fit.</summary>
    private string Describe(double sampleFraction)
    {
        double samplingRate = _settings.AssumeSecretSampling && !IntegerNoise ? sampleFraction : 1; // as DpAggregationStep.PlanRound accounts
        long affordable = Budget.AffordableRounds(_accountant, samplingRate, _settings.NoiseMultiplier, atMost: 100_000);
        string clip = _settings.Adaptive is { } adaptive
            ? Invariant($"adaptive from {_clipNorm:G4} toward the {adaptive.TargetQuantile:G3} quantile of the update norms")
            : Invariant($"fixed at {_clipNorm:G4}");
        return Invariant($"{Mode} differential privacy: noise multiplier z = {_settings.NoiseMultiplier:G4}, clip norm {clip}, ")
            + Invariant($"budget ε = {Budget.EpsilonBudget:G4} at δ = {Budget.Delta:G3}; spent {Spent.Epsilon:G4} over {RoundsAccounted} rounds; ")
            + Invariant($"about {affordable} more rounds fit at sampling rate {samplingRate:G3}");
    }

    /// <summary>The DP of round <paramref name="round"/>, or null with the reason when it would take ε past the budget.</summary>
    /// <param name="eligibleSites">Sites the round samples from.</param>
    /// <param name="sampledSites">Sites asked to train.</param>
    /// <param name="minimumSurvivors">The fewest updates the round commits with (MinSites).</param>
    public DpRoundPlan? PlanRound(long round, int eligibleSites, int sampledSites, int minimumSurvivors, out string refusal)
    {
        DpRoundPlan plan = _step.PlanRound(_clipNorm, eligibleSites, sampledSites, minimumSurvivors, _secureAggregation);
        BudgetCheck check = Budget.CheckNextRound(_accountant, plan.SamplingRate, plan.AccountedNoiseMultiplier);
        refusal = check.Allowed
            ? ""
            : Invariant($"the privacy budget is spent: round {round} would take ε from {check.SpentSoFar.Epsilon:G4} to {check.SpentAfterNextRound.Epsilon:G4}, ")
                + Invariant($"beyond the budget ε = {Budget.EpsilonBudget:G4} at δ = {Budget.Delta:G3}");
        return check.Allowed ? plan : null;
    }

    /// <summary>
    /// Noises the round's sum of clipped deltas (in place; central mode), accounts the round with the noise it really
    /// carried, and moves the clip. Call only for a round that is to commit: an aborted round publishes nothing. A round whose
    /// model then fails the commit check stays accounted: its moved clip goes out with the next task, and counting ε for a
    /// sum that was never published errs on the safe side.
    /// </summary>
    public PrivateRound Complete(DpRoundPlan plan, ModelState sum, int survivors, double unclippedIndicatorSum)
    {
        DpRoundOutcome outcome = _step.Complete(plan, sum, survivors, unclippedIndicatorSum);
        _accountant.Compose(outcome.SamplingRate, outcome.RealisedNoiseMultiplier);
        _clipNorm = outcome.NextClipNorm;
        return new PrivateRound(outcome.MeanDelta(), DifferentialPrivacyCheckpoint.After(outcome, _accountant), Spent, outcome.NextClipNorm);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
