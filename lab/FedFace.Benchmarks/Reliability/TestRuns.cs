using System.Diagnostics;
using System.Xml.Linq;

namespace FedFace.Benchmarks.Reliability;

/// <summary>One test as the TRX logger recorded it.</summary>
public sealed record TestOutcome(string Project, string Name, bool Passed, string Output);

/// <summary>Runs the selected tests of one test project (already built) with the TRX logger and reads the results back.</summary>
public static class TestRuns
{
    private static readonly XNamespace s_trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static async Task<IReadOnlyList<TestOutcome>> RunAsync(string root, string project, IReadOnlyCollection<string> tests, string resultsDirectory,
        IReadOnlyDictionary<string, string> environment)
    {
        string filter = string.Join('|', tests.Distinct(StringComparer.Ordinal).Select(t => $"FullyQualifiedName~{t.TrimEnd('.')}"));
        string trx = Path.Combine(resultsDirectory, project + ".trx");
        File.Delete(trx);
        (int exitCode, string output) = await Commands.RunAsync(root, "dotnet", ["test", Path.Combine("tests", project), "--no-build", "--nologo", "--filter", filter,
            "--logger", $"trx;LogFileName={project}.trx", "--results-directory", resultsDirectory], environment);
        if (!File.Exists(trx))
        {
            throw new InvalidOperationException($"dotnet test {project} wrote no results (exit {exitCode}); is it built? {Tail(output)}");
        }
        return Parse(project, XDocument.Load(trx));
    }

    public static IReadOnlyList<TestOutcome> Parse(string project, XDocument trx) =>
        [.. trx.Descendants(s_trx + "UnitTestResult").Select(r => new TestOutcome(project, (string?)r.Attribute("testName") ?? "",
            (string?)r.Attribute("outcome") == "Passed",
            string.Join('\n', r.Descendants(s_trx + "StdOut").Concat(r.Descendants(s_trx + "Message")).Select(e => e.Value))))];

    internal static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}

/// <summary>Runs a command in the repository with extra environment, capturing what it prints (standard output and error together).</summary>
public static class Commands
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string root, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach ((string name, string value) in environment) start.Environment[name] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
