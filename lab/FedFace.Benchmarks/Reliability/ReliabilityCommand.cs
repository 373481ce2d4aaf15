using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FedFace.Benchmarks.Reliability;

public sealed record ReliabilityReport(string Date, string Commit, bool Dirty, MachineInfo Machine, string Mode, string Definitions, bool AllPassed,
    IReadOnlyList<ReliabilityRow> Rows);

/// <summary>
/// fedface-bench reliability [--long]: runs the tests of every row of <see cref="ReliabilityChecks"/> (their projects built beforehand)
/// with the TRX logger, with --long also scripts/crash-loop.sh, scripts/fuzz.sh and lab/load.sh, and writes the table as
/// lab/results/reliability.json and docs/reliability.md. Without --long the load rows come from the last lab/results/load.json.
/// </summary>
public static class ReliabilityCommand
{
    private const string Definitions = "cases: tests run (fuzz: generated inputs; crash loop: lives; load: sites and attacking streams); survived: tests passed "
        + "(fuzz: inputs without a finding; load: what the run measured); data lost: what the passing tests assert about committed rounds and valid updates; "
        + "message clear: whether those tests assert the refusal's text (load: the aggregator's message on every cut stream).";

    public static async Task<int> RunAsync(BenchCommandLine commandLine, System.CommandLine.ParseResult command)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(command);
        string root = RunInfo.RepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        string outPath = command.GetValue(commandLine.ReliabilityOut) ?? Path.Combine(root, "lab", "results", "reliability.json");
        string markdownPath = command.GetValue(commandLine.Markdown) ?? Path.Combine(root, "docs", "reliability.md");
        bool longRun = command.GetValue(commandLine.Long);
        var longRuns = new LongRuns(command.GetValue(commandLine.CrashRounds) ?? LongRuns.DefaultCrashLives,
            command.GetValue(commandLine.FuzzCases) ?? LongRuns.DefaultFuzzCases, command.GetValue(commandLine.LoadQuick));
        MachineInfo machine = RunInfo.Machine();
        string results = Path.Combine(root, "TestResults", "reliability");
        Directory.CreateDirectory(results);
        var none = new Dictionary<string, string>();
        var tests = new List<TestOutcome>();
        foreach (IGrouping<string, TestSelection> project in ReliabilityChecks.All.SelectMany(c => c.Selections).GroupBy(s => s.Project))
        {
            Console.WriteLine($"tests: {project.Key}");
            IReadOnlyList<TestOutcome> outcomes = await TestRuns.RunAsync(root, project.Key, [.. project.SelectMany(s => s.Tests)], results, none);
            Console.WriteLine($"  {outcomes.Count(o => o.Passed)}/{outcomes.Count} passed");
            tests.AddRange(outcomes);
        }
        RunEvidence evidence = longRun ? await LongRunsAsync(root, tests, longRuns) : new RunEvidence(tests, null, null, null, null,
            ReadLoad(LoadResults(root)), "last run", ReadLoad(KillLoopResults(root)));
        (string commit, bool dirty) = RunInfo.Commit(root);
        ReliabilityRow[] rows = [.. ReliabilityChecks.All.Select(c => ReliabilityRows.Of(c, evidence))];
        var report = new ReliabilityReport(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), commit, dirty, machine,
            longRun ? "long" : "fast", Definitions, rows.All(r => r.Passed), rows);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        }) + "\n");
        string markdown = ReliabilityMarkdown.Of(report, longRuns);
        await File.WriteAllTextAsync(markdownPath, markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {outPath} and {markdownPath}");
        return report.AllPassed ? 0 : 1;
    }

    private static async Task<RunEvidence> LongRunsAsync(string root, IReadOnlyList<TestOutcome> tests, LongRuns runs)
    {
        var none = new Dictionary<string, string>();
        Console.WriteLine(string.Join(' ', runs.CrashLoopCommand));
        (int crashExit, _) = await Commands.RunAsync(root, "bash", runs.CrashLoopCommand, none);
        string table = Path.Combine(root, "TestResults", "crash-loop.md");
        string crashText = File.Exists(table) ? await File.ReadAllTextAsync(table) : "";
        Console.WriteLine(string.Join(' ', runs.FuzzCommand));
        (int fuzzExit, string fuzzText) = await Commands.RunAsync(root, "bash", runs.FuzzCommand, none);
        // The quick variant does not replace the committed full-size result.
        string loadPath = runs.LoadQuick ? Path.Combine(root, "TestResults", "reliability", "load-quick.json") : LoadResults(root);
        Console.WriteLine(string.Join(' ', runs.LoadRunCommand(loadPath)));
        (int loadExit, string loadText) = await Commands.RunAsync(root, "bash", runs.LoadRunCommand(loadPath), none);
        Console.WriteLine($"  exit {loadExit}; {TestRuns.Tail(loadText).Split('\n').Reverse().Skip(1).FirstOrDefault()}");
        Console.WriteLine(string.Join(' ', runs.KillLoopCommand));
        (int killLoopExit, string killLoopText) = await Commands.RunAsync(root, "bash", runs.KillLoopCommand, none);
        Console.WriteLine($"  exit {killLoopExit}; {TestRuns.Tail(killLoopText).Split('\n').Reverse().Skip(1).FirstOrDefault()}");
        // A failed loop writes no result file: the row must not show the previous run's.
        JsonObject? killLoop = killLoopExit == 0 ? ReadLoad(KillLoopResults(root)) : null;
        return new RunEvidence(tests, fuzzText, crashText, crashExit, fuzzExit, ReadLoad(loadPath), "this run", killLoop);
    }

    private static string KillLoopResults(string root) => Path.Combine(root, "lab", "results", "kill-loop.json");

    private static string LoadResults(string root) => Path.Combine(root, "lab", "results", "load.json");

    private static JsonObject? ReadLoad(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))?.AsObject() : null;
}
