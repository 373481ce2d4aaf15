using FedFace.Aggregator;
using FedFace.Core;

namespace FedFace.Simulator;

/// <summary>
/// Evaluates each committed global model on the held-out pairs before the next round opens, prints
/// one line per round and keeps the rows for the report.
/// </summary>
/// <param name="showsPrivacy">Add a column with the ε spent after each round (differential privacy is on).</param>
public sealed class RoundTable(HeldOutVerification heldOut, TextWriter output, bool showsPrivacy = false) : IRoundObserver
{
    private readonly List<RoundRow> _rows = [];

    public IReadOnlyList<RoundRow> Rows => _rows;

    public string Header => $"{"round",5} {"model",5} {"sites",7} {"local loss",10} {"accuracy",16}{(heldOut.ScoresMasked ? $" {"masked",16}" : "")}{(showsPrivacy ? $" {"ε",8}" : "")} {"round s",8} {"eval s",7}";

    /// <summary>Scores the starting model as round 0, the baseline every round is compared with.</summary>
    public void EvaluateInitial(ModelState initial) =>
        Add(new RoundSummary(0, 0, true, 0, null, [], [], new Dictionary<string, string>(), 0, null, 0, "initial model"), initial);

    public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
    {
        Add(summary, globalModel);
        return Task.CompletedTask;
    }

    private void Add(RoundSummary summary, ModelState globalModel)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        HeldOutScores scores = heldOut.Evaluate(globalModel);
        var row = new RoundRow(summary.Round, summary.CommittedModelVersion ?? summary.BaseModelVersion, summary.Committed,
            summary.SampledSites.Count, summary.AcceptedSites.Count, summary.MeanLocalLoss,
            scores.Unmasked.MeanAccuracy, scores.Unmasked.StdAccuracy, scores.Masked?.MeanAccuracy, scores.Masked?.StdAccuracy,
            summary.Seconds, clock.Elapsed.TotalSeconds, summary.Privacy?.Epsilon, summary.SecureAggregation?.Survivors, summary.AveragedModels);
        _rows.Add(row);
        string loss = row.MeanLocalLoss is double l ? l.ToString("F3") : "-";
        string committed = row.Committed ? row.AveragedModels > 1 ? $"  (mean of the last {row.AveragedModels} models)" : "" : "  (not committed)";
        string secure = row.SecureSurvivors is null ? "" : $"  secure: {row.SecureSurvivors} answered keys→shares→masked→unmask";
        string masked = row.MaskedAccuracy is double m ? $" {m * 100,8:F2}% ± {row.MaskedAccuracyStd!.Value * 100,4:F2}" : "";
        string epsilon = showsPrivacy ? $" {(row.Epsilon is double e ? e.ToString("G4") : "-"),8}" : "";
        output.WriteLine($"{row.Round,5} {"v" + row.ModelVersion,5} {row.SitesAnswered + "/" + row.SitesSampled,7} {loss,10} {row.Accuracy * 100,8:F2}% ± {row.AccuracyStd * 100,4:F2}{masked}{epsilon} {row.RoundSeconds,8:F1} {row.EvalSeconds,7:F1}{secure}{committed}");
    }
}
