using System.Globalization;
using System.Text;
using FedFace.Protos.Admin.V1;

namespace FedFace.Cli;

/// <summary>The admin service's report as the tables <c>fedface status</c> prints.</summary>
public static class StatusTables
{
    /// <summary>The rounds shown; the report may hold thousands.</summary>
    public const int LatestRounds = 20;

    public static string Format(FederationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        RoundState round = report.Round;
        var text = new StringBuilder();
        text.Append(SummaryTable.Format($"Federation {report.FederationName} (aggregator {report.AggregatorVersion})",
        [
            ("round", $"{round.Number} ({Stage(round)})"),
            ("committed rounds", $"{round.CommittedRounds} of {round.TotalRounds}"),
            ("model version", $"v{round.ModelVersion}"),
            ("privacy", report.Privacy is { } privacy
                ? Invariant($"ε {privacy.EpsilonSpent:G4} spent of {privacy.EpsilonTarget:G4}, δ {privacy.Delta:G3} ({privacy.Mode})")
                : "off"),
        ]));
        if (round.FinishReason.Length > 0)
        {
            text.AppendLine($"  finished: {round.FinishReason}");
        }
        text.AppendLine();
        text.Append(SummaryTable.Grid("Sites", ["site", "live", "last seen (UTC)", "contributed", "not accepted", "latest reason"],
            [.. report.Sites.Select(s => (IReadOnlyList<string>)[s.SiteId, s.Live ? "yes" : "no", Time(s.LastSeenUnixMs), Count(s.RoundsContributed),
                Count(s.RoundsNotAccepted), s.Rejections.Count == 0 ? "" : $"round {s.Rejections[^1].Round}: {s.Rejections[^1].Reason}"])]));
        text.AppendLine();
        text.Append(SummaryTable.Grid($"Rounds (latest {Math.Min(LatestRounds, report.Rounds.Count)} of {report.Rounds.Count})",
            ["round", "outcome", "model", "sites", "examples", "mean loss", "accuracy", "ε", "seconds"],
            [.. report.Rounds.TakeLast(LatestRounds).Select(r => (IReadOnlyList<string>)[Count(r.Round), r.Committed ? "committed" : "aborted",
                r.Committed ? $"v{r.ModelVersion}" : "-", $"{r.AcceptedSites}/{r.SampledSites}", Count(r.TotalExamples),
                r.HasMeanLoss ? Invariant($"{r.MeanLoss:F4}") : "-", r.HasMeanAccuracy ? SummaryTable.Percent(r.MeanAccuracy) : "-",
                r.HasEpsilonSpent ? Invariant($"{r.EpsilonSpent:G4}") : "-", Invariant($"{r.Seconds:F1}")])]));
        text.AppendLine();
        text.Append(SummaryTable.Grid("Models", ["version", "round", "sha256", "signature", "signed by"],
            [.. report.Models.Select(m => (IReadOnlyList<string>)[$"v{m.Version}", Count(m.Round), m.Sha256, Shorten(m.Signature), m.Signer])]));
        return text.ToString();
    }

    private static string Stage(RoundState round) =>
        round.Stage is "collecting updates" or "secure aggregation" ? $"{round.Stage}, {round.AnsweredSites} of {round.SampledSites} answered" : round.Stage;

    private static string Time(long unixMs) =>
        unixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The start of a signature: enough to compare by eye; --json prints it whole.</summary>
    private static string Shorten(string hex) => hex.Length > 16 ? hex[..16] + "…" : hex;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
