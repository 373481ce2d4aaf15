using System.Globalization;
using FedFace.Simulator.VirtualSites;

namespace FedFace.Simulator.Reports;

/// <summary>
/// One round of one variant, as rounds.csv and report.json give it (round 0 is the starting model). Sites that do not
/// train (synthetic, replay) are not scored: their rows have no accuracy nor loss, but the engine's per-site overhead
/// and the process's peak resident memory, which training rows leave empty.
/// </summary>
public sealed record ScenarioRoundRow(
    string Variant,
    long Round,
    long ModelVersion,
    bool Committed,
    double? Accuracy,
    double? AccuracyStandardError,
    int? Pairs,
    double? MaskedAccuracy,
    double? MaskedAccuracyStandardError,
    double? MeanLocalLoss,
    int SitesSampled,
    int SitesAnswered,
    int SitesDropped,
    double RoundSeconds,
    double? Epsilon,
    double? PerSiteOverheadMs = null,
    double? PeakRssGb = null)
{
    /// <summary>rounds.csv's header, as docs/simulation.md documents it.</summary>
    public const string CsvHeader = "variant,round,model_version,committed,accuracy,accuracy_se,pairs,masked_accuracy,masked_accuracy_se,"
        + "loss,sites_sampled,sites_answered,sites_dropped,round_seconds,epsilon,per_site_overhead_ms,peak_rss_gb";

    public static ScenarioRoundRow Of(string variant, RoundRow row, int pairs)
    {
        ArgumentNullException.ThrowIfNull(row);
        var accuracy = new AccuracyEstimate(row.Accuracy, pairs);
        AccuracyEstimate? masked = row.MaskedAccuracy is double m ? new AccuracyEstimate(m, pairs) : null;
        return new ScenarioRoundRow(variant, row.Round, row.ModelVersion, row.Committed, row.Accuracy, accuracy.StandardError, pairs,
            row.MaskedAccuracy, masked?.StandardError, row.MeanLocalLoss, row.SitesSampled, row.SitesAnswered,
            row.SitesSampled - row.SitesAnswered, row.RoundSeconds, row.Epsilon);
    }

    /// <summary>A round of sites that do not train, with the engine's figures for it when it ran the sites here.</summary>
    public static ScenarioRoundRow Of(string variant, RoundOutcome outcome, EngineRound? engine)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new ScenarioRoundRow(variant, outcome.Round, outcome.ModelVersion, outcome.Committed, null, null, null, null, null, null,
            outcome.Sampled, outcome.Accepted, outcome.Sampled - outcome.Accepted, outcome.Seconds, null, engine?.PerSiteOverheadMs, outcome.PeakRssGb);
    }

    public AccuracyEstimate? AccuracyEstimate => Accuracy is double a && Pairs is int n ? new(a, n) : null;

    public AccuracyEstimate? MaskedAccuracyEstimate => MaskedAccuracy is double m && Pairs is int n ? new(m, n) : null;

    public string ToCsv() => string.Join(',',
        Quote(Variant), Number(Round), Number(ModelVersion), Committed ? "true" : "false", Number(Accuracy), Number(AccuracyStandardError), Number(Pairs),
        Number(MaskedAccuracy), Number(MaskedAccuracyStandardError), Number(MeanLocalLoss), Number(SitesSampled), Number(SitesAnswered),
        Number(SitesDropped), Number(RoundSeconds), Number(Epsilon), Number(PerSiteOverheadMs), Number(PeakRssGb));

    private static string Number<T>(T? value) where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture) ?? "";

    private static string Number<T>(T value) where T : struct, IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
}
