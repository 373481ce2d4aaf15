using FedFace.Aggregator;
using FedFace.Core;
using FedFace.Evaluation;

namespace FedFace.Simulator;

/// <summary>
/// Evaluates each committed global model on the held-out pairs before the next round opens, prints
/// one line per round and keeps the rows for the report. Each round's accuracy is compared with round 0's on the same
/// pairs (<see cref="PairedAccuracyChange"/>), so a change can be read against its noise.
/// </summary>
/// <param name="showsPrivacy">Add a column with the ε spent after each round (differential privacy is on).</param>
public sealed class RoundTable(HeldOutVerification heldOut, TextWriter output, bool showsPrivacy = false) : IRoundObserver
{
    private const int SitesWidth = 13, AccuracyWidth = 13;
    private readonly List<RoundRow> _rows = [];
    private HeldOutScores? _initial;

    public IReadOnlyList<RoundRow> Rows => _rows;

    /// <summary>The scores of the starting model (round 0), once evaluated.</summary>
    public HeldOutScores? Initial => _initial;

    /// <summary>The table's header; accuracies are ± one standard error on the held-out pairs, whose number the line above it gives.</summary>
    public string Header => $"{"round",5} {"model",5} {"sites",SitesWidth} {"local loss",10} {"unmasked ± SE",AccuracyWidth} {"Δ ± SE (points)",16}"
        + (heldOut.ScoresMasked ? $" {"masked ± SE",AccuracyWidth} {"Δ ± SE (points)",16}" : "") + (showsPrivacy ? $" {"ε",8}" : "") + $" {"round s",8} {"eval s",7}";

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
        _initial ??= scores;
        bool isBaseline = ReferenceEquals(_initial, scores);
        PairedAccuracyChange? unmaskedChange = isBaseline ? null : PairedAccuracyChange.Between(_initial.UnmaskedCorrect, scores.UnmaskedCorrect);
        PairedAccuracyChange? maskedChange = isBaseline || scores.MaskedCorrect is null ? null : PairedAccuracyChange.Between(_initial.MaskedCorrect!, scores.MaskedCorrect);
        var row = new RoundRow(summary.Round, summary.CommittedModelVersion ?? summary.BaseModelVersion, summary.Committed,
            summary.SampledSites.Count, summary.AcceptedSites.Count, summary.MeanLocalLoss,
            scores.Unmasked.MeanAccuracy, scores.Unmasked.StdAccuracy, scores.Masked?.MeanAccuracy, scores.Masked?.StdAccuracy,
            summary.Seconds, clock.Elapsed.TotalSeconds, summary.Privacy?.Epsilon, SitesPerStage(summary), summary.AveragedModels,
            unmaskedChange, maskedChange);
        _rows.Add(row);
        string loss = row.MeanLocalLoss is double l ? l.ToString("F3") : "-";
        string committed = row.Committed ? row.AveragedModels > 1 ? $"  (mean of the last {row.AveragedModels} models)" : "" : "  (not committed)";
        string sites = row.SecureSurvivors ?? $"{row.SitesAnswered}/{row.SitesSampled}";
        string masked = row.MaskedAccuracy is double m ? $" {Accuracy(m),AccuracyWidth} {Change(maskedChange),16}" : "";
        string epsilon = showsPrivacy ? $" {(row.Epsilon is double e ? e.ToString("G4") : "-"),8}" : "";
        output.WriteLine($"{row.Round,5} {"v" + row.ModelVersion,5} {sites,SitesWidth} {loss,10} {Accuracy(row.Accuracy),AccuracyWidth} {Change(unmaskedChange),16}{masked}{epsilon} {row.RoundSeconds,8:F1} {row.EvalSeconds,7:F1}{committed}");
    }

    /// <summary>For a secure round, the sites sampled and then those that answered each stage, e.g. "4→4→4→3→3→3".</summary>
    private static string? SitesPerStage(RoundSummary summary) =>
        summary.SecureAggregation is { } secure ? $"{secure.Sampled}→{secure.Survivors}" : null;

    private string Accuracy(double accuracy) => new Reports.AccuracyEstimate(accuracy, heldOut.PairCount).Percent();

    private static string Change(PairedAccuracyChange? change) =>
        change is null ? "baseline" : $"{change.Gain * 100:+0.00;-0.00;0.00} ± {change.StandardError * 100:F2}";
}
