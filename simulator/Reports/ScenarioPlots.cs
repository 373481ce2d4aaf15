namespace FedFace.Simulator.Reports;

/// <summary>The scenario's plots, one line per variant: accuracy (± SE), local loss, sites answered and dropped, round time.</summary>
public static class ScenarioPlots
{
    public const string Accuracy = "accuracy-per-round.png", Loss = "loss-per-round.png", Sites = "sites-per-round.png", RoundTime = "round-seconds.png";

    /// <summary>Writes the plots into <paramref name="directory"/>; returns their file names.</summary>
    public static IReadOnlyList<string> Write(string directory, string scenario, IReadOnlyList<VariantReport> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        int pairs = variants.Count > 0 && variants[0].Rounds.Count > 0 ? variants[0].Rounds[0].Pairs : 0;
        LineChart.Write(Path.Combine(directory, Accuracy), $"{scenario}: held-out accuracy ({pairs} LFW pairs; bars ± one standard error)",
            "accuracy (%)", [.. Lines(variants, _ => true, r => r.Accuracy * 100, r => r.AccuracyStandardError * 100)]);
        LineChart.Write(Path.Combine(directory, Loss), $"{scenario}: mean local training loss of the sites that answered",
            "local loss", [.. Lines(variants, r => r.MeanLocalLoss is not null, r => r.MeanLocalLoss!.Value)]);
        LineChart.Write(Path.Combine(directory, Sites), $"{scenario}: sites answered (solid) and dropped (dashed) per round",
            "sites", [.. Lines(variants, r => r.Round > 0, r => r.SitesAnswered, suffix: " answered"),
                      .. Lines(variants, r => r.Round > 0, r => r.SitesDropped, suffix: " dropped", dashed: true)]);
        LineChart.Write(Path.Combine(directory, RoundTime), $"{scenario}: seconds per round (open to commit or abort)",
            "seconds", [.. Lines(variants, r => r.Round > 0, r => r.RoundSeconds)]);
        return [Accuracy, Loss, Sites, RoundTime];
    }

    private static IEnumerable<ChartLine> Lines(IReadOnlyList<VariantReport> variants, Func<ScenarioRoundRow, bool> shown, Func<ScenarioRoundRow, double> value,
        Func<ScenarioRoundRow, double>? error = null, string suffix = "", bool dashed = false)
    {
        for (int i = 0; i < variants.Count; i++)
        {
            ScenarioRoundRow[] rows = [.. variants[i].Rounds.Where(shown)];
            if (rows.Length > 0)
            {
                yield return new ChartLine(variants[i].Label + suffix, i, [.. rows.Select(r => (double)r.Round)], [.. rows.Select(value)],
                    error is null ? null : [.. rows.Select(error)], dashed);
            }
        }
    }
}
