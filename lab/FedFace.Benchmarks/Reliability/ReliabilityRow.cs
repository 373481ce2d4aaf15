using System.Globalization;
using System.Text.Json.Nodes;

namespace FedFace.Benchmarks.Reliability;

/// <summary>One row of the table as the run filled it in.</summary>
public sealed record ReliabilityRow(string Kind, string Check, string How, string Cases, string Survived, string DataLost, string MessageClear, bool Passed,
    IReadOnlyList<string> Tests, IReadOnlyList<string> FailedTests);

/// <summary>What the run produced, that rows take their figures from.</summary>
public sealed record RunEvidence(IReadOnlyList<TestOutcome> Tests, string? FuzzText, string? CrashLoopText, int? CrashLoopExit, int? FuzzExit,
    JsonObject? Load, string LoadSource, JsonObject? KillLoop);

/// <summary>Fills in a <see cref="ReliabilityCheck"/> from the run's evidence.</summary>
public static class ReliabilityRows
{
    public static ReliabilityRow Of(ReliabilityCheck check, RunEvidence run)
    {
        TestOutcome[] tests = [.. run.Tests.Where(t => check.Selections.Any(s => s.Project == t.Project && s.Tests.Any(p => t.Name.Contains("." + p, StringComparison.Ordinal))))
            .DistinctBy(t => t.Name)];
        string[] failed = [.. tests.Where(t => !t.Passed).Select(t => t.Name)];
        bool testsPassed = failed.Length == 0;
        string how = string.Join("; ", check.Selections.SelectMany(s => s.Tests).Select(t => t.TrimEnd('.')));
        string testCases = $"{tests.Length} test{(tests.Length == 1 ? "" : "s")}";
        string testsSurvived = $"{tests.Length - failed.Length}/{tests.Length} passed";
        string dataLost = testsPassed ? check.DataLostWhenPassed : $"not shown: {failed.Length} failed";
        string message = !check.MessageAsserted ? "not asserted (the tests check state)" : testsPassed ? "yes (text asserted)" : "not shown: a test failed";

        switch (check.Scripted)
        {
            case ScriptedSource.CrashLoop:
            {
                string text = run.CrashLoopText ?? string.Join('\n', tests.Select(t => t.Output));
                CrashLives lives = RunTexts.CrashLoopLives(text);
                bool scriptPassed = run.CrashLoopExit is null or 0;
                string source = run.CrashLoopText is null ? "" : " + scripts/crash-loop.sh";
                return Row(check, how + source, $"{testCases}; {lives.Lives} lives, {lives.Crashes} crashes", $"{testsSurvived}; {(testsPassed && scriptPassed ? lives.Crashes : 0)}/{lives.Crashes} crashes recovered",
                    testsPassed && scriptPassed ? dataLost : "not shown: the loop failed", message, tests.Length > 0 && testsPassed && scriptPassed && lives.Lives > 0, tests, failed);
            }
            case ScriptedSource.Fuzz:
            {
                string text = run.FuzzText ?? string.Join('\n', tests.Select(t => t.Output));
                FuzzCount[] counts = [.. RunTexts.FuzzCounts(text).Where(c => check.FuzzTargets!.Contains(c.Key)).Select(c => c.Value)];
                long cases = counts.Sum(c => c.Cases), findings = counts.Sum(c => c.Findings);
                string source = run.FuzzText is null ? "" : " + scripts/fuzz.sh";
                bool ok = tests.Length > 0 && testsPassed && cases > 0 && findings == 0;
                return Row(check, how + source, $"{cases.ToString("N0", CultureInfo.InvariantCulture)} inputs ({testCases})",
                    $"{(cases - findings).ToString("N0", CultureInfo.InvariantCulture)} ({findings} findings)", ok ? dataLost : "not shown: findings or failures",
                    ok ? "yes (every refusal has a reason)" : message, ok, tests, failed);
            }
            case ScriptedSource.LoadJoins or ScriptedSource.LoadHeldOpen or ScriptedSource.LoadSlowSender:
                return LoadRow(check, run);
            case ScriptedSource.ProcessKillLoop:
                return KillLoopRow(check, run);
            default:
                return Row(check, how, testCases, testsSurvived, dataLost, message, tests.Length > 0 && testsPassed, tests, failed);
        }
    }

    private static ReliabilityRow Row(ReliabilityCheck check, string how, string cases, string survived, string dataLost, string message, bool passed,
        IReadOnlyList<TestOutcome> tests, IReadOnlyList<string> failed) =>
        new(check.Kind, check.Check, how, cases, survived, dataLost, message, passed, [.. tests.Select(t => t.Name)], failed);

    /// <summary>From lab/results/kill-loop.json, which scripts/process-kill-loop.sh writes only when every check held.</summary>
    private static ReliabilityRow KillLoopRow(ReliabilityCheck check, RunEvidence run)
    {
        if (run.KillLoop is not { } loop)
        {
            return Row(check, "scripts/process-kill-loop.sh (not run, or failed: no lab/results/kill-loop.json from it; run lab/reliability.sh --long)", "0", "not run", "not shown",
                "not shown", false, [], []);
        }
        JsonArray killed = loop["killed"]!.AsArray();
        string kinds = string.Join(", ", killed.GroupBy(k => k!["kind"]!.GetValue<string>()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        string how = $"{loop["command"]} (commit {loop["commit"]!.GetValue<string>()[..7]}{(loop["dirty"]!.GetValue<bool>() ? " + changes" : "")})";
        bool ok = loop["chainUnbroken"]!.GetValue<bool>() && loop["everySiteFinished"]!.GetValue<bool>() && loop["orphanedTemporaries"]!.GetValue<int>() == 0;
        return Row(check, how, $"{loop["rounds"]} rounds, {killed.Count} kills ({kinds})",
            $"{(ok ? killed.Count : 0)}/{killed.Count} kills recovered; {loop["stateRecords"]} state records, each version once",
            ok ? check.DataLostWhenPassed : "not shown: a check failed", "not asserted (the script checks state)", ok, [], []);
    }

    private static ReliabilityRow LoadRow(ReliabilityCheck check, RunEvidence run)
    {
        if (run.Load is not { } load)
        {
            return Row(check, "lab/load.sh (not run: no lab/results/load.json; run lab/reliability.sh --long)", "0", "not run", "not shown", "not shown", false, [], []);
        }
        JsonObject verdicts = load["verdicts"]!.AsObject();
        JsonArray phases = load["phases"]!.AsArray();
        string how = $"lab/load.sh ({run.LoadSource}: {load["date"]}, commit {load["commit"]!.GetValue<string>()[..7]}{(load["dirty"]!.GetValue<bool>() ? " + changes" : "")})";
        JsonObject steady = phases[0]!.AsObject();
        if (check.Scripted == ScriptedSource.LoadJoins)
        {
            JsonObject joins = load["concurrent_joins"]!.AsObject();
            int sites = load["sites"]!.GetValue<int>();
            JsonObject latency = load["latency"]!.AsObject();
            bool ok = verdicts["steady_all_joined"]!.GetValue<bool>() && verdicts["steady_rounds_commit"]!.GetValue<bool>();
            return Row(check, how, $"{sites} sites at once; {steady["rounds_finished"]} rounds of {steady["sites_per_round"]} uploads of {load["model_bytes"]!.GetValue<long>() / 1e6:F1} MB",
                $"{joins["joined"]}/{sites} joined ({joins["attempts"]!["failures"]} attempts failed and were retried; time to join p50 {joins["time_to_join"]!["p50_ms"]} ms, "
                + $"p99 {joins["time_to_join"]!["p99_ms"]} ms); {steady["rounds_committed"]}/{steady["rounds_finished"]} rounds committed "
                + $"({load["rounds_committed_per_minute"]}/min); upload p50 {latency["upload"]!["client_p50_ms"]} ms, p99 {latency["upload"]!["client_p99_ms"]} ms; "
                + $"aggregator peak {load["aggregator_peak_resident_mb"]} MB",
                ok ? check.DataLostWhenPassed : "not shown: a round did not commit", "n/a (no refusal)", ok, [], []);
        }
        string phaseName = check.Scripted == ScriptedSource.LoadHeldOpen ? "held-open" : "slow-sender";
        string key = phaseName.Replace('-', '_');
        JsonObject phase = phases.Select(p => p!.AsObject()).First(p => p["name"]!.GetValue<string>() == phaseName);
        JsonObject attack = phase["attack"]!.AsObject();
        bool cut = verdicts[$"{key}_cut_off"]!.GetValue<bool>(), commits = verdicts[$"{key}_honest_rounds_commit"]!.GetValue<bool>(),
            bounded = verdicts[$"{key}_memory_bounded"]!.GetValue<bool>();
        // A stream the site saw end in a transport error (the server reset it mid-write) carries no reason from the aggregator.
        var endings = attack["ended_by"]!.AsObject().ToDictionary(e => e.Key, e => (Streams: e.Value!["streams"]!.GetValue<int>(), Message: e.Value!["example_message"]!.GetValue<string>()));
        string[] messages = [.. endings.Select(e => $"{e.Value.Streams} × \"{e.Value.Message}\"")];
        int transport = endings.Where(e => e.Key is "status Internal" or "status Unavailable").Sum(e => e.Value.Streams);
        bool clear = endings.Count > 0 && transport == 0 && endings.Values.All(e => e.Message.Length > 0);
        string clearText = clear ? "yes: " + string.Join("; ", messages)
            : $"partly: {transport} of {endings.Values.Sum(e => e.Streams)} streams ended in a transport error the site saw, not a reason from the aggregator; all: {string.Join("; ", messages)}";
        return Row(check, how, $"{attack["streams_opened"]} streams from {attack["attackers"]} of {phase["sites"]} sites, deadline {phase["round_deadline_seconds"]} s, chunk timeout {phase["upload_chunk_timeout_seconds"]} s",
            $"{attack["streams_ended"]} cut by the aggregator (held at most {attack["max_held_seconds"]} s); {phase["rounds_committed"]}/{phase["rounds_finished"]} honest rounds committed; "
            + $"aggregator peak {phase["aggregator"]!["vm_hwm_mb"]} MB vs {steady["aggregator"]!["vm_hwm_mb"]} MB honest",
            commits ? check.DataLostWhenPassed : "not shown: an honest round did not commit",
            clearText, cut && commits && bounded, [], []);
    }
}
