using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// Whether the federation goes on: every round committed, or the privacy budget stopped it, or too many rounds in a row
/// were aborted; and when sites are told.
/// </summary>
public sealed class FederationStatus(CurrentModel model, IOptions<AggregatorOptions> options)
{
    private readonly int _totalRounds = options.Value.TotalRounds;
    private readonly int _maxConsecutiveAborts = options.Value.MaxConsecutiveAbortedRounds;
    private int _consecutiveAborts;

    /// <summary>Every configured round is committed.</summary>
    public bool AllRoundsCommitted => model.ModelVersion >= _totalRounds;

    /// <summary>Why no further round opens, once one did not for lack of privacy budget; null until then.</summary>
    public string? BudgetStop { get; private set; }

    /// <summary>Why no further round opens, once <see cref="AggregatorOptions.MaxConsecutiveAbortedRounds"/> were aborted in a row; null until then.</summary>
    public string? AbortStop { get; private set; }

    /// <summary>No further round will open.</summary>
    public bool Done => AllRoundsCommitted || BudgetStop is not null || AbortStop is not null;

    /// <summary>What sites are told when the federation finished.</summary>
    public string FinishReason => BudgetStop ?? AbortStop ?? $"all {_totalRounds} rounds are committed";

    /// <summary>
    /// The round loop is done, observers included; only then are sites told the federation finished, so a
    /// simulator that stops when its sites stop never cuts the last round's evaluation short.
    /// </summary>
    public bool Finished { get; private set; }

    public void StopForBudget(string reason) => BudgetStop = reason;

    /// <summary>
    /// Counts the rounds aborted in a row: a federation in which every round is refused (a site whose every update makes
    /// the candidate fail its last check, terms no site accepts) stops at the limit, rather than open rounds for ever.
    /// </summary>
    public void RecordRound(RoundSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        _consecutiveAborts = summary.Committed ? 0 : _consecutiveAborts + 1;
        if (_maxConsecutiveAborts > 0 && _consecutiveAborts >= _maxConsecutiveAborts)
        {
            AbortStop = $"{_consecutiveAborts} rounds in a row were aborted, the limit (Aggregator:MaxConsecutiveAbortedRounds); round {summary.Round} {summary.Outcome}";
        }
    }

    public void MarkFinished() => Finished = Done;
}
