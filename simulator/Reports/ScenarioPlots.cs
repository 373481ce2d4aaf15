namespace FedFace.Simulator.Reports;

/// <summary>
/// The scenario's plots, one line per variant: accuracy (± SE), local loss, sites answered and dropped, round time. A
/// variant draws only what it has (sites that do not train have no accuracy nor loss), and a plot no variant has is not drawn.
/// </summary>
public static class ScenarioPlots
{
    public const string Accuracy = "accuracy-per-round.png", Loss = "loss-per-round.png", Sites = "sites-per-round.png", RoundTime = "round-seconds.png";

    /// <summary>Writes the plots into <paramref name="directory"/>; returns the file names of those drawn.</summary>
    public static IReadOnlyList<string> Write(string directory, string scenario, IReadOnlyList<VariantReport> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        int? pairs = variants.SelectMany(v => v.Rounds).Select(r => r.Pairs).FirstOrDefault(p => p is not null);
        (string File, string Title, string YLabel, ChartLine[] Lines)[] plots =
        [
            (Accuracy, $"{scenario}: held-out accuracy ({pairs} LFW pairs; bars ± one standard error)", "accuracy (%)",
                [.. Lines(variants, r => r.Accuracy is not null, r => r.Accuracy!.Value * 100, r => r.AccuracyStandardError!.Value * 100)]),
            (Loss, $"{scenario}: mean local training loss of the sites that answered", "local loss",
                [.. Lines(variants, r => r.MeanLocalLoss is not null, r => r.MeanLocalLoss!.Value)]),
            (Sites, $"{scenario}: sites answered (solid) and dropped (dashed) per round", "sites",
                [.. Lines(variants, r => r.Round > 0, r => r.SitesAnswered, suffix: " answered"),
                 .. Lines(variants, r => r.Round > 0, r => r.SitesDropped, suffix: " dropped", dashed: true)]),
            (RoundTime, $"{scenario}: seconds per round (open to commit or abort)", "seconds",
                [.. Lines(variants, r => r.Round > 0, r => r.RoundSeconds)]),
        ];
        foreach (var plot in plots.Where(p => p.Lines.Length > 0))
        {
            LineChart.Write(Path.Combine(directory, plot.File), plot.Title, plot.YLabel, plot.Lines);
        }
        return [.. plots.Where(p => p.Lines.Length > 0).Select(p => p.File)];
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
