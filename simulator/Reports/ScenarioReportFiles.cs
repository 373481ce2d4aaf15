using System.Text.Json;

namespace FedFace.Simulator.Reports;

/// <summary>Writes a scenario's report files into one folder: report.json, rounds.csv, the plots and summary.md.</summary>
public static class ScenarioReportFiles
{
    public const string Json = "report.json", Csv = "rounds.csv", Summary = "summary.md";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The files written, report.json first.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string directory, ScenarioReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        string json = Path.Combine(directory, Json), csv = Path.Combine(directory, Csv), summary = Path.Combine(directory, Summary);
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, Indented), cancellationToken);
        await File.WriteAllLinesAsync(csv, [ScenarioRoundRow.CsvHeader, .. report.Variants.SelectMany(v => v.Rounds).Select(r => r.ToCsv())], cancellationToken);
        IReadOnlyList<string> plots = ScenarioPlots.Write(directory, report.Name, report.Variants);
        await File.WriteAllTextAsync(summary, ScenarioSummary.Markdown(report, plots), cancellationToken);
        return [json, csv, .. plots.Select(plot => Path.Combine(directory, plot)), summary];
    }
}
