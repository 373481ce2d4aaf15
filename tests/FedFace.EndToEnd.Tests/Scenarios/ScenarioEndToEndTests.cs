using System.Text.Json;
using FedFace.DevelopmentData;
using FedFace.Simulator;
using FedFace.Simulator.Reports;
using FedFace.Simulator.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>
/// Runs alone: the scenario's progress follows every aggregator in the process through its telemetry, as it may in the
/// simulator, which runs one; the other test classes' aggregators would count in it.
/// </summary>
[CollectionDefinition(nameof(AloneInTheProcess), DisableParallelization = true)]
public sealed class AloneInTheProcess;

/// <summary>A tiny scenario through the real aggregator (Kestrel on loopback, mutual TLS): two variants, three sites, one round.</summary>
[Collection(nameof(AloneInTheProcess))]
public sealed class ScenarioEndToEndTests(Xunit.Abstractions.ITestOutputHelper testOutput) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedface-scenario-e2e-").FullName;

    [Fact]
    public async Task Two_variants_run_on_the_same_data_through_the_real_aggregator_and_the_reports_compare_them()
    {
        (ScenarioReport report, string printed) = await RunAsync($$"""
            {
              "name": "tiny", "description": "two variants, three sites, one round",
              "InitialModel": {{JsonSerializer.Serialize(SharedData.MobileFaceNetOnnx)}},
              "Sites": 3, "Rounds": 1, "MaxPeople": 9, "MinImagesPerPerson": 4, "MaxImagesPerPerson": 4, "EvalPairsPerFold": 10,
              "Training": { "LocalEpochs": 1, "BatchSize": 4, "MaxSteps": 2, "Optimizer": "adamw", "LearningRate": 2e-4, "FreezeBatchNormStatistics": true },
              "OutputDirectory": "out",
              "variants": [ { "label": "FedAvg" }, { "label": "FedProx", "Training": { "FedProxMu": 0.01 } } ]
            }
            """);

        string output = Path.Combine(_directory, "out");
        Assert.Equal(["FedAvg", "FedProx"], report.Variants.Select(v => v.Label));
        Assert.All(report.Variants, v => Assert.Equal([0L, 1L], v.Rounds.Select(r => r.Round)));
        Assert.All(report.Variants, v => Assert.Equal((3, 3, 0), (v.Rounds[1].SitesSampled, v.Rounds[1].SitesAnswered, v.Rounds[1].SitesDropped)));
        Assert.All(report.Variants, v => Assert.True(v.Rounds[1].Committed));
        // The same data for both: the starting model scores the same pairs the same.
        Assert.Equal(report.Variants[0].Rounds[0].Accuracy, report.Variants[1].Rounds[0].Accuracy);
        Assert.Equal(report.ScoringPairs, report.Variants[1].Final!.Pairs);
        Assert.Equal(0.01f, report.Variants[1].Settings.Training.FedProxMu);
        Assert.Equal(0f, report.Variants[0].Settings.Training.FedProxMu);
        Assert.True(File.Exists(Path.Combine(output, "variants", "fedprox", "simulation-report.json")));
        Assert.Equal(1 + 2 * 2, File.ReadAllLines(Path.Combine(output, ScenarioReportFiles.Csv)).Length);
        using (JsonDocument.Parse(File.ReadAllText(Path.Combine(output, ScenarioReportFiles.Json)))) { }
        using SKBitmap accuracy = SKBitmap.Decode(Path.Combine(output, ScenarioPlots.Accuracy));
        Assert.True(accuracy.Width > 0 && accuracy.Pixels.Distinct().Skip(1).Any());
        Assert.Contains("[FedProx (2/2)] round 1 (1/1 committed): 3/3 sites answered · run 2/2 rounds committed", printed, StringComparison.Ordinal);
        Assert.Contains($"FedProx: final accuracy {new AccuracyEstimate(report.Variants[1].Final!.Accuracy, report.ScoringPairs)}", printed, StringComparison.Ordinal);
    }

    /// <summary>
    /// Regression (a63d63f): the status said 'finished' at the last commit, so the engine stopped, and the aggregator with
    /// it, while the round observer still scored the last round's model: report.json and rounds.csv lost their last round.
    /// </summary>
    [Fact]
    public async Task A_training_simulations_report_holds_every_round_the_last_one_with_its_evaluation()
    {
        (ScenarioReport report, _) = await RunAsync($$"""
            {
              "name": "last-round", "description": "three training sites, two rounds, scored after each",
              "InitialModel": {{JsonSerializer.Serialize(SharedData.MobileFaceNetOnnx)}},
              "Sites": 3, "Rounds": 2, "MaxPeople": 9, "MinImagesPerPerson": 4, "MaxImagesPerPerson": 4, "EvalPairsPerFold": 10,
              "Training": { "LocalEpochs": 1, "BatchSize": 4, "MaxSteps": 2, "Optimizer": "adamw", "LearningRate": 2e-4, "FreezeBatchNormStatistics": true },
              "OutputDirectory": "out",
              "variants": [ { "label": "FedAvg" } ]
            }
            """);

        VariantReport variant = Assert.Single(report.Variants);
        Assert.Equal([0L, 1L, 2L], variant.Rounds.Select(r => r.Round));
        Assert.All(variant.Rounds.Skip(1), r => Assert.True(r.Committed));
        Assert.All(variant.Rounds, r => Assert.True(r.Accuracy is > 0 and <= 1 && r.Pairs == report.ScoringPairs, $"round {r.Round}: {r}"));
        string[] csv = File.ReadAllLines(Path.Combine(_directory, "out", ScenarioReportFiles.Csv));
        Assert.Equal(["0", "1", "2"], csv.Skip(1).Select(line => line.Split(',')[1]));
        Assert.NotEqual("", csv[^1].Split(',')[4]); // the last round's accuracy
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(variant.OutputDirectory, "simulation-report.json")));
        JsonElement last = json.RootElement.GetProperty("Rounds").EnumerateArray().Last();
        Assert.Equal(2, last.GetProperty("Round").GetInt64());
        Assert.True(last.GetProperty("EvalSeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Synthetic_variants_run_through_the_engine_without_faces_and_their_reports_carry_the_engines_figures_and_no_accuracy()
    {
        (ScenarioReport report, string printed) = await RunAsync("""
            {
              "name": "tiny-scale", "description": "twenty synthetic sites, half sampled, plain against SecAgg+",
              "Sites": 20, "SampleFraction": 0.5, "Rounds": 2, "Engine": { "SiteWork": "synthetic" }, "OutputDirectory": "out",
              "variants": [ { "label": "plain" }, { "label": "SecAgg+", "SecureAggregation": true, "SecAggDropoutTolerance": 0.1 } ]
            }
            """);

        string output = Path.Combine(_directory, "out");
        Assert.Equal(["plain", "SecAgg+"], report.Variants.Select(v => v.Label));
        Assert.Empty(report.Sites); // no faces were prepared
        Assert.Equal(0, report.ScoringPairs);
        foreach (VariantReport variant in report.Variants)
        {
            Assert.Null(variant.Final);
            Assert.Equal([1L, 2L], variant.Rounds.Select(r => r.Round));
            Assert.All(variant.Rounds, r => Assert.True(r.Committed));
            Assert.All(variant.Rounds, r => Assert.Equal((10, 10, 0), (r.SitesSampled, r.SitesAnswered, r.SitesDropped)));
            Assert.All(variant.Rounds, r => Assert.Equal((null, null, null, null), (r.Accuracy, r.AccuracyStandardError, r.Pairs, r.MeanLocalLoss)));
            Assert.All(variant.Rounds, r => Assert.True(r.RoundSeconds > 0 && r.PerSiteOverheadMs is not null && r.PeakRssGb > 0));
            Assert.True(File.Exists(Path.Combine(variant.OutputDirectory, "engine-report.json")));
        }

        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, ScenarioReportFiles.Json))))
        {
            JsonElement secure = json.RootElement.GetProperty("Variants")[1];
            Assert.Equal(JsonValueKind.Null, secure.GetProperty("Final").ValueKind);
            Assert.Equal(JsonValueKind.Null, secure.GetProperty("Rounds")[1].GetProperty("Accuracy").ValueKind);
            Assert.True(secure.GetProperty("Settings").GetProperty("SecureAggregation").GetBoolean());
        }
        string[] csv = File.ReadAllLines(Path.Combine(output, ScenarioReportFiles.Csv));
        Assert.Equal(1 + 2 * 2, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.Equal(("", "", "10", "10", "0"), (line.Split(',')[4], line.Split(',')[9], line.Split(',')[10], line.Split(',')[11], line.Split(',')[12])));
        Assert.False(File.Exists(Path.Combine(output, ScenarioPlots.Accuracy)));
        Assert.False(File.Exists(Path.Combine(output, ScenarioPlots.Loss)));
        foreach (string plot in (string[])[ScenarioPlots.Sites, ScenarioPlots.RoundTime])
        {
            using SKBitmap bitmap = SKBitmap.Decode(Path.Combine(output, plot));
            Assert.True(bitmap.Width > 0 && bitmap.Pixels.Distinct().Take(3).Count() > 2, $"{plot} is blank");
        }
        string summary = File.ReadAllText(Path.Combine(output, ScenarioReportFiles.Summary));
        Assert.Contains("| SecAgg+ | `SecureAggregation` = true, `SecAggDropoutTolerance` = 0.1 | — (not scored) |", summary, StringComparison.Ordinal);
        Assert.Contains("| round | committed | sampled | answered | dropped | round s | overhead ms/site | peak RSS GB |", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("## Sites", summary, StringComparison.Ordinal);
        Assert.Contains("no faces prepared (no variant trains)", summary, StringComparison.Ordinal);
        Assert.Contains("SecAgg+: 2/2 rounds committed (not scored: its sites do not train)", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_variant_with_worker_processes_runs_its_sites_in_them_with_the_variants_settings()
    {
        // A deadline the workers' start-up fits in: round 1 opens as they start.
        (ScenarioReport report, string printed) = await RunAsync("""
            {
              "name": "processes", "description": "synthetic sites in two worker processes",
              "Sites": 3, "Rounds": 1, "RoundDeadlineSeconds": 120, "Engine": { "SiteWork": "synthetic" }, "OutputDirectory": "out",
              "variants": [ { "label": "two workers", "Sites": 4, "Engine": { "WorkerProcesses": 2 } } ]
            }
            """, new Dictionary<string, string?> { ["Seed"] = "5" });

        ScenarioRoundRow round = Assert.Single(report.Variants.Single().Rounds);
        Assert.True(round.Committed);
        Assert.Equal((4, 4), (round.SitesSampled, round.SitesAnswered)); // the variant's 4 sites, not the file's 3
        Assert.Contains("[worker 1] worker 1/2: 2 of 4 sites joined", printed, StringComparison.Ordinal);
        string settings = File.ReadAllText(Path.Combine(report.Variants[0].OutputDirectory, VariantWorkerSettings.FileName));
        Assert.Contains("\"Seed\":\"5\"", settings, StringComparison.Ordinal); // the command line's too
    }

    /// <summary>Runs the scenario the JSON text describes (its folder this test's); returns its report and what it printed.</summary>
    private async Task<(ScenarioReport Report, string Printed)> RunAsync(string json, Dictionary<string, string?>? commandLine = null)
    {
        string path = Path.Combine(_directory, "scenario.json");
        File.WriteAllText(path, json);
        commandLine ??= [];
        ScenarioPlan plan = ScenarioPlan.Create(ScenarioFile.Read(path, SimulatorCommandLine.Settings()), commandLine, null, out IReadOnlyList<string> problems);
        Assert.Empty(problems);
        // Worker processes' lines arrive on their own threads.
        var text = new StringWriter();
        TextWriter log = TextWriter.Synchronized(text);
        ScenarioReport report = await new ScenarioRun(plan, commandLine, NullLoggerFactory.Instance, log, new PlainProgressLines(log)).RunAsync(CancellationToken.None);
        string printed = text.ToString();
        testOutput.WriteLine(printed);
        return (report, printed);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
