using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>Whether the federation goes on: every round committed, or the privacy budget stopped it; and when sites are told.</summary>
public sealed class FederationStatus(CurrentModel model, IOptions<AggregatorOptions> options)
{
    private readonly int _totalRounds = options.Value.TotalRounds;

    /// <summary>Every configured round is committed.</summary>
    public bool AllRoundsCommitted => model.ModelVersion >= _totalRounds;

    /// <summary>Why no further round opens, once one did not for lack of privacy budget; null until then.</summary>
    public string? BudgetStop { get; private set; }

    /// <summary>No further round will open.</summary>
    public bool Done => AllRoundsCommitted || BudgetStop is not null;

    /// <summary>What sites are told when the federation finished.</summary>
    public string FinishReason => BudgetStop ?? $"all {_totalRounds} rounds are committed";

    /// <summary>
    /// The round loop is done, observers included; only then are sites told the federation finished, so a
    /// simulator that stops when its sites stop never cuts the last round's evaluation short.
    /// </summary>
    public bool Finished { get; private set; }

    public void StopForBudget(string reason) => BudgetStop = reason;

    public void MarkFinished() => Finished = Done;
}
