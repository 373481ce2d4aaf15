namespace FedFace.Aggregator.Rounds;

/// <summary>How a closed round ended: a committed model or an abort, each with the sentence the summary and the log carry.</summary>
/// <param name="AveragedModels">How many global models the committed one is the mean of; 1 = its own step.</param>
public sealed record RoundResult(bool Committed, string Outcome, int AveragedModels = 1)
{
    public static RoundResult Aborted(string reason) => new(false, $"aborted: {reason}");
}
