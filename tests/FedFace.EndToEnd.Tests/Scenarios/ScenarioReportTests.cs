using System.Text.Json;
using FedFace.Simulator;
using FedFace.Simulator.Reports;
using FedFace.Simulator.VirtualSites;
using SkiaSharp;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>The scenario's report files parse, the CSV has the documented header, the plots are real PNGs with lines on them.</summary>
public sealed class ScenarioReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedface-report-").FullName;

    [Fact]
    public async Task Report_json_rounds_csv_summary_and_four_plots_are_written_and_parse()
    {
        ScenarioReport report = Report(Variant("FedAvg", 0.80, 0.84), Variant("FedProx, mu=0.01", 0.80, 0.86));

        IReadOnlyList<string> files = await ScenarioReportFiles.WriteAsync(_directory, report, CancellationToken.None);

        Assert.Equal(["report.json", "rounds.csv", .. ScenarioPlotsNames, "summary.md"], files.Select(Path.GetFileName));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "report.json")));
        Assert.Equal(2, json.RootElement.GetProperty("Variants").GetArrayLength());
        Assert.Equal(0.86, json.RootElement.GetProperty("Variants")[1].GetProperty("Final").GetProperty("Accuracy").GetDouble());
        Assert.Equal(400, json.RootElement.GetProperty("Variants")[1].GetProperty("Final").GetProperty("Pairs").GetInt32());

        string[] csv = File.ReadAllLines(Path.Combine(_directory, "rounds.csv"));
        Assert.Equal("variant,round,model_version,committed,accuracy,accuracy_se,pairs,masked_accuracy,masked_accuracy_se,loss,sites_sampled,"
            + "sites_answered,sites_dropped,round_seconds,epsilon,per_site_overhead_ms,peak_rss_gb", csv[0]);
        Assert.Equal(1 + 2 * 3, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.Equal(17, Fields(line).Length));
        Assert.Equal(["FedProx, mu=0.01", "2", "2", "true", "0.86"], Fields(csv[^1])[..5]);
        Assert.Equal("1", Fields(csv[^1])[12]); // dropped: 4 sampled, 3 answered

        string summary = File.ReadAllText(Path.Combine(_directory, "summary.md"));
        Assert.Contains("| FedProx, mu=0.01 | `Training:FedProxMu` = 0.01 | 86.0 ± 1.7% (n = 400) |", summary, StringComparison.Ordinal);
        Assert.All(ScenarioPlotsNames, plot => Assert.Contains($"]({plot})", summary, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_plot_is_a_png_that_decodes_to_a_picture_of_more_than_one_colour()
    {
        await ScenarioReportFiles.WriteAsync(_directory, Report(Variant("a", 0.7, 0.75), Variant("b", 0.7, 0.72)), CancellationToken.None);

        foreach (string plot in ScenarioPlotsNames)
        {
            using SKBitmap bitmap = SKBitmap.Decode(Path.Combine(_directory, plot));
            Assert.NotNull(bitmap);
            Assert.Equal((LineChart.Width, LineChart.Height), (bitmap.Width, bitmap.Height));
            Assert.True(bitmap.Pixels.Distinct().Take(3).Count() > 2, $"{plot} is blank");
        }
    }

    [Fact]
    public async Task Variants_whose_sites_do_not_train_get_no_accuracy_or_loss_line_and_a_scenario_of_only_them_draws_sites_and_round_time()
    {
        VariantReport untrained = Untrained("synthetic");

        IReadOnlyList<string> files = await ScenarioReportFiles.WriteAsync(_directory, Report(untrained), CancellationToken.None);

        Assert.Equal(["report.json", "rounds.csv", ScenarioPlots.Sites, ScenarioPlots.RoundTime, "summary.md"], files.Select(Path.GetFileName));
        Assert.Equal(["synthetic", "1", "1", "true", "", "", "", "", "", "", "10", "9", "1", "2.5", "", "12", "0.5"], Fields(File.ReadAllLines(Path.Combine(_directory, "rounds.csv"))[1]));
        string summary = File.ReadAllText(Path.Combine(_directory, "summary.md"));
        Assert.Contains("| 1 | yes | 10 | 9 | 1 | 2.5 | 12 | 0.50 |", summary, StringComparison.Ordinal);

        // Beside a training variant, the accuracy and loss plots are drawn, with the training variant's lines only.
        files = await ScenarioReportFiles.WriteAsync(_directory, Report(Variant("FedAvg", 0.8, 0.84), untrained), CancellationToken.None);
        Assert.Equal(["report.json", "rounds.csv", .. ScenarioPlotsNames, "summary.md"], files.Select(Path.GetFileName));
        Assert.Contains("| synthetic | — | — (not scored) |", File.ReadAllText(Path.Combine(_directory, "summary.md")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.875, 400, "87.5 ± 1.7% (n = 400)")]
    [InlineData(1.0, 50, "100.0 ± 2.6% (n = 50)")]
    [InlineData(0.6, 20, "60 ± 10% (n = 20)")]
    [InlineData(0.9912, 6000, "99.12 ± 0.12% (n = 6000)")]
    public void An_accuracy_is_printed_with_its_pairs_and_standard_error_and_no_digits_the_error_swamps(double accuracy, int pairs, string text)
    {
        Assert.Equal(text, new AccuracyEstimate(accuracy, pairs).ToString());
    }

    private static readonly string[] ScenarioPlotsNames = [ScenarioPlots.Accuracy, ScenarioPlots.Loss, ScenarioPlots.Sites, ScenarioPlots.RoundTime];

    private static string[] Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') { quoted = !quoted; }
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else { field.Append(c); }
        }
        fields.Add(field.ToString());
        return [.. fields];
    }

    private static VariantReport Variant(string label, double start, double end)
    {
        ScenarioRoundRow[] rounds =
        [
            ScenarioRoundRow.Of(label, new RoundRow(0, 0, true, 0, 0, null, start, 0, null, null, 0, 1), 400),
            ScenarioRoundRow.Of(label, new RoundRow(1, 1, true, 4, 4, 2.5, (start + end) / 2, 0, null, null, 30, 1), 400),
            ScenarioRoundRow.Of(label, new RoundRow(2, 2, true, 4, 3, 2.1, end, 0, null, null, 45, 1), 400),
        ];
        Dictionary<string, string?> overrides = label.StartsWith("FedProx", StringComparison.Ordinal) ? new() { ["Training:FedProxMu"] = "0.01" } : [];
        return new VariantReport(label, overrides, "/runs/x/variants/" + label, FinalAccuracy.Of(rounds[^1]), rounds, new SimulatorOptions());
    }

    private static VariantReport Untrained(string label)
    {
        ScenarioRoundRow[] rounds = [ScenarioRoundRow.Of(label, new RoundOutcome(1, 1, true, 10, 9, 2.5, "committed", 0.5), new EngineRound(1, 10, 9, 2.4, 0.1, 12, 30, 2))];
        return new VariantReport(label, new Dictionary<string, string?>(), "/runs/x/variants/" + label, FinalAccuracy.Of(rounds[^1]), rounds, new SimulatorOptions());
    }

    private static ScenarioReport Report(params VariantReport[] variants) => new("compare", "two strategies", "/scenarios/compare.json",
        new Dictionary<string, string?> { ["Rounds"] = "2" }, new Dictionary<string, string?>(), "test machine", "2026-12-05T00:00:00Z",
        [new SiteRow("site-01", 3, 12, 0, 0)], 400, 0, variants, 1, 100);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
