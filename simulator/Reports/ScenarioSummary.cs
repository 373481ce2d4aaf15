using System.Globalization;
using System.Text;

namespace FedFace.Simulator.Reports;

/// <summary>summary.md: the scenario's settings, its sites, the final accuracies with n and SE, a table per variant, the plots.</summary>
public static class ScenarioSummary
{
    public static string Markdown(ScenarioReport report, IReadOnlyList<string> plots)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(plots);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {report.Name}").AppendLine();
        if (report.Description.Length > 0)
        {
            text.AppendLine(report.Description).AppendLine();
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Scenario `{report.ScenarioFile}`, started {report.StartedAtUtc} on {report.Machine}; "
            + $"data prepared in {report.PreparationSeconds:F0} s, {report.TotalSeconds:F0} s in all.").AppendLine();
        text.AppendLine("Accuracy: k-fold verification accuracy on the held-out LFW pairs (threshold chosen on the other folds), "
            + $"n = {report.ScoringPairs} pairs ({report.ScoringPairsDropped} dropped: no face found); ± one standard error "
            + "(binomial, Agresti–Coull). Round 0 is the starting model.").AppendLine();

        text.AppendLine("## Settings").AppendLine();
        Table(text, ["setting", "value"], report.Settings.Select(s => new[] { $"`{s.Key}`", s.Value ?? "" })
            .Concat(report.CommandLine.Select(s => new[] { $"`{s.Key}`", $"{s.Value} (command line)" })));

        text.AppendLine("## Sites").AppendLine();
        Table(text, ["site", "people", "faces", "masked faces", "greyscale faces"],
            report.Sites.Select(s => new[] { s.SiteId, Whole(s.People), Whole(s.Faces), Whole(s.MaskedFaces), Whole(s.GreyFaces) }));

        text.AppendLine("## Final accuracy").AppendLine();
        Table(text, ["variant", "overrides", "accuracy ± SE (n pairs)", "masked accuracy ± SE", "ε spent"],
            report.Variants.Select(v => new[]
            {
                v.Label,
                v.Overrides.Count == 0 ? "—" : string.Join(", ", v.Overrides.Select(o => $"`{o.Key}` = {o.Value}")),
                new AccuracyEstimate(v.Final.Accuracy, v.Final.Pairs).ToString(),
                v.Final.MaskedAccuracy is double m ? new AccuracyEstimate(m, v.Final.Pairs).ToString() : "—",
                v.Rounds[^1].Epsilon is double e ? e.ToString("G4", CultureInfo.InvariantCulture) : "—",
            }));

        foreach (VariantReport variant in report.Variants)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {variant.Label}").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Its own run: `{variant.OutputDirectory}`.").AppendLine();
            Table(text, ["round", "committed", "accuracy ± SE", "masked ± SE", "local loss", "sampled", "answered", "dropped", "round s", "ε"],
                variant.Rounds.Select(r => new[]
                {
                    Whole((int)r.Round), r.Committed ? "yes" : "no", r.AccuracyEstimate.Percent(), r.MaskedAccuracyEstimate?.Percent() ?? "—",
                    r.MeanLocalLoss is double l ? l.ToString("F3", CultureInfo.InvariantCulture) : "—",
                    Whole(r.SitesSampled), Whole(r.SitesAnswered), Whole(r.SitesDropped), r.RoundSeconds.ToString("F1", CultureInfo.InvariantCulture),
                    r.Epsilon is double e ? e.ToString("G4", CultureInfo.InvariantCulture) : "—",
                }));
        }

        text.AppendLine("## Plots").AppendLine();
        foreach (string plot in plots)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot})").AppendLine();
        }
        return text.ToString();
    }

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (string[] row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }
        text.AppendLine();
    }
}
