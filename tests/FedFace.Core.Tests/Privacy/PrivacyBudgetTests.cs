using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

public class PrivacyBudgetTests
{
    [Fact]
    public void Training_stops_at_the_last_round_that_fits_the_budget()
    {
        var budget = new PrivacyBudget(epsilonBudget: 4, delta: 1e-5);
        var accountant = new RdpAccountant();
        long affordable = budget.AffordableRounds(accountant, samplingRate: 1, noiseMultiplier: 2);

        int rounds = 0;
        BudgetCheck check;
        while ((check = budget.CheckNextRound(accountant, 1, 2)).Allowed)
        {
            accountant.Compose(1, 2);
            rounds++;
            Assert.Equal(check.SpentAfterNextRound, accountant.Spent(budget.Delta));
        }

        Assert.InRange(rounds, 2, 50);
        Assert.Equal(affordable, rounds);
        Assert.True(accountant.Spent(1e-5).Epsilon <= 4);
        Assert.True(check.SpentAfterNextRound.Epsilon > 4);
        Assert.Equal(accountant.Spent(1e-5), check.SpentSoFar);
        Assert.Contains($"round {rounds + 1} would take ε from", check.Reason);
        Assert.Contains("beyond the budget 4", check.Reason);
    }

    [Fact]
    public void A_round_within_the_budget_says_so()
    {
        BudgetCheck check = new PrivacyBudget(10, 1e-5).CheckNextRound(new RdpAccountant(), 0.1, 1.0);
        Assert.True(check.Allowed);
        Assert.Equal(0, check.SpentSoFar.Epsilon);
        Assert.StartsWith("round 1 takes ε from 0 to ", check.Reason);
    }

    [Fact]
    public void Subsampling_buys_more_rounds()
    {
        var budget = new PrivacyBudget(3, 1e-5);
        var accountant = new RdpAccountant();
        Assert.True(budget.AffordableRounds(accountant, 0.1, 1.0) > 10 * budget.AffordableRounds(accountant, 1.0, 1.0));
    }

    [Theory]
    [InlineData(0, 1e-5)]
    [InlineData(double.PositiveInfinity, 1e-5)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void Refuses_a_budget_that_promises_nothing(double epsilon, double delta)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyBudget(epsilon, delta));
    }
}
