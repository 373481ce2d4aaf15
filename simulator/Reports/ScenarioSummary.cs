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
        string preparation = report.Sites.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"data prepared in {report.PreparationSeconds:F0} s")
            : "no faces prepared (no variant trains)";
        text.AppendLine(CultureInfo.InvariantCulture, $"Scenario `{report.ScenarioFile}`, started {report.StartedAtUtc} on {report.Machine}; "
            + $"{preparation}, {report.TotalSeconds:F0} s in all.").AppendLine();
        if (report.Variants.Any(v => v.Final is not null))
        {
            text.AppendLine("Accuracy: k-fold verification accuracy on the held-out LFW pairs (threshold chosen on the other folds), "
                + $"n = {report.ScoringPairs} pairs ({report.ScoringPairsDropped} dropped: no face found); ± one standard error "
                + "(binomial, Agresti–Coull). Round 0 is the starting model.").AppendLine();
        }
        if (report.Variants.Any(v => v.Final is null))
        {
            text.AppendLine("Sites that do not train (synthetic or replayed updates) are not scored; their rounds give the engine's "
                + "per-site overhead (worker time a site costs beyond its own work) and the process's peak resident memory so far.").AppendLine();
        }

        text.AppendLine("## Settings").AppendLine();
        Table(text, ["setting", "value"], report.Settings.Select(s => new[] { $"`{s.Key}`", s.Value ?? "" })
            .Concat(report.CommandLine.Select(s => new[] { $"`{s.Key}`", $"{s.Value} (command line)" })));

        if (report.Sites.Count > 0)
        {
            text.AppendLine("## Sites").AppendLine();
            Table(text, ["site", "people", "faces", "masked faces", "greyscale faces"],
                report.Sites.Select(s => new[] { s.SiteId, Whole(s.People), Whole(s.Faces), Whole(s.MaskedFaces), Whole(s.GreyFaces) }));
        }

        text.AppendLine(report.Variants.Any(v => v.Final is not null) ? "## Final accuracy" : "## Variants").AppendLine();
        Table(text, ["variant", "overrides", "accuracy ± SE (n pairs)", "masked accuracy ± SE", "ε spent"],
            report.Variants.Select(v => new[]
            {
                v.Label,
                v.Overrides.Count == 0 ? "—" : string.Join(", ", v.Overrides.Select(o => $"`{o.Key}` = {o.Value}")),
                v.Final is { } final ? new AccuracyEstimate(final.Accuracy, final.Pairs).ToString() : "— (not scored)",
                v.Final?.MaskedAccuracy is double m ? new AccuracyEstimate(m, v.Final.Pairs).ToString() : "—",
                v.Rounds[^1].Epsilon is double e ? e.ToString("G4", CultureInfo.InvariantCulture) : "—",
            }));

        foreach (VariantReport variant in report.Variants)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {variant.Label}").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Its own run: `{variant.OutputDirectory}`.").AppendLine();
            RoundTable(text, variant.Rounds);
        }

        text.AppendLine("## Plots").AppendLine();
        foreach (string plot in plots)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot})").AppendLine();
        }
        return text.ToString();
    }

    /// <summary>The variant's rounds, with the columns its rows have (sites that do not train have no accuracy, training ones no engine figures).</summary>
    private static void RoundTable(StringBuilder text, IReadOnlyList<ScenarioRoundRow> rounds)
    {
        (string Header, Func<ScenarioRoundRow, string?> Cell)[] columns =
        [
            ("round", r => Whole((int)r.Round)),
            ("committed", r => r.Committed ? "yes" : "no"),
            ("accuracy ± SE", r => r.AccuracyEstimate?.Percent()),
            ("masked ± SE", r => r.MaskedAccuracyEstimate?.Percent()),
            ("local loss", r => r.MeanLocalLoss?.ToString("F3", CultureInfo.InvariantCulture)),
            ("sampled", r => Whole(r.SitesSampled)),
            ("answered", r => Whole(r.SitesAnswered)),
            ("dropped", r => Whole(r.SitesDropped)),
            ("round s", r => r.RoundSeconds.ToString("F1", CultureInfo.InvariantCulture)),
            ("ε", r => r.Epsilon?.ToString("G4", CultureInfo.InvariantCulture)),
            ("overhead ms/site", r => r.PerSiteOverheadMs?.ToString("F0", CultureInfo.InvariantCulture)),
            ("peak RSS GB", r => r.PeakRssGb?.ToString("F2", CultureInfo.InvariantCulture)),
        ];
        // A column no round has (the masked accuracy of an unmasked run, the engine's figures of a training one) is left out.
        var shown = columns.Where(c => rounds.Any(r => c.Cell(r) is not null)).ToArray();
        Table(text, [.. shown.Select(c => c.Header)], rounds.Select(r => shown.Select(c => c.Cell(r) ?? "—").ToArray()));
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
