namespace FedFace.Core.Privacy;

/// <summary>
/// An (ε, δ) budget for the whole federation. The aggregator asks before opening each round, so it stops before
/// spending beyond the budget rather than noticing after the model is out.
/// </summary>
public sealed record PrivacyBudget
{
    public PrivacyBudget(double epsilonBudget, double delta)
    {
        if (!(epsilonBudget > 0) || !double.IsFinite(epsilonBudget)) throw new ArgumentOutOfRangeException(nameof(epsilonBudget), epsilonBudget, "the ε budget must be positive and finite");
        if (!(delta is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        EpsilonBudget = epsilonBudget;
        Delta = delta;
    }

    public double EpsilonBudget { get; }
    public double Delta { get; }

    /// <summary>Would one more round at sampling rate q and noise multiplier z keep ε within the budget?</summary>
    public BudgetCheck CheckNextRound(RdpAccountant accountant, double samplingRate, double noiseMultiplier)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        PrivacySpent now = accountant.Spent(Delta);
        PrivacySpent next = accountant.SpentAfter(samplingRate, noiseMultiplier, 1, Delta);
        bool allowed = next.Epsilon <= EpsilonBudget;
        long round = accountant.RoundsComposed + 1;
        string reason = allowed
            ? FormattableString.Invariant($"round {round} takes ε from {now.Epsilon:G4} to {next.Epsilon:G4}, within the budget {EpsilonBudget:G4} at δ = {Delta:G3}")
            : FormattableString.Invariant($"round {round} would take ε from {now.Epsilon:G4} to {next.Epsilon:G4}, beyond the budget {EpsilonBudget:G4} at δ = {Delta:G3}: training stops here");
        return new BudgetCheck(allowed, now, next, reason);
    }

    /// <summary>
    /// How many more rounds at q and z fit, up to <paramref name="atMost"/> (for the start-up log). ε grows with the
    /// rounds, so a binary search over the count suffices.
    /// </summary>
    public long AffordableRounds(RdpAccountant accountant, double samplingRate, double noiseMultiplier, long atMost = 1_000_000)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentOutOfRangeException.ThrowIfNegative(atMost);
        long low = 0, high = atMost; // invariant: low rounds fit; more than high do not need checking
        while (low < high)
        {
            long middle = low + (high - low + 1) / 2;
            if (accountant.SpentAfter(samplingRate, noiseMultiplier, middle, Delta).Epsilon <= EpsilonBudget) low = middle;
            else high = middle - 1;
        }
        return low;
    }
}
