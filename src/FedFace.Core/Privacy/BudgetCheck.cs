namespace FedFace.Core.Privacy;

/// <summary>Whether one more round fits the privacy budget, with the figures that decided it.</summary>
/// <param name="Reason">A sentence for the operator's log, naming ε before and after the round and the budget.</param>
public sealed record BudgetCheck(bool Allowed, PrivacySpent SpentSoFar, PrivacySpent SpentAfterNextRound, string Reason);
