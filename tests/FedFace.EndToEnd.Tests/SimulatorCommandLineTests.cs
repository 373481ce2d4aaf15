using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>
/// The built <c>fedface-simulator</c>'s command line: --help and --version answer, an unknown flag or settings key is one
/// line naming it and exit code 2, all before any data is read or anything trains.
/// </summary>
public sealed class SimulatorCommandLineTests(ITestOutputHelper output)
{
    private static readonly string Simulator = Path.Combine(AppContext.BaseDirectory, "fedface-simulator.dll");
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public async Task Help_describes_the_settings_by_their_flags_and_version_prints_the_build_version()
    {
        (int helpExit, string help, _) = await RunAsync(NoEnvironment, "--help");
        (int versionExit, string version, _) = await RunAsync(NoEnvironment, "--version");

        Assert.Equal((0, 0), (helpExit, versionExit));
        Assert.Matches(@"--max-people <integer>\s+0 = every eligible person", help);
        Assert.Contains("--lr <number>", help, StringComparison.Ordinal);
        Assert.Contains("experiment", help, StringComparison.Ordinal);
        Assert.Matches(@"^fedface-simulator \d+\.\d+\.\d+(\+[0-9a-f]+)?$", version.Trim());
    }

    [Fact]
    public async Task An_unknown_flag_is_one_line_with_the_flag_probably_meant_and_exit_code_2()
    {
        (int exit, _, string error) = await RunAsync(NoEnvironment, "--roundz", "3");

        Assert.Equal(2, exit);
        Assert.Equal("fedface-simulator: unknown option '--roundz' (did you mean --rounds?) (see fedface-simulator --help)", error.Trim());
    }

    [Fact]
    public async Task An_unknown_settings_key_in_the_environment_is_refused_by_name_with_exit_code_2()
    {
        (int exit, _, string error) = await RunAsync(new Dictionary<string, string> { ["FEDFACE_SIM_Roundz"] = "3" });

        Assert.Equal(2, exit);
        Assert.Equal("fedface-simulator: unknown setting 'Roundz' (did you mean Rounds?) (every key: --help or docs/configuration.md)", error.Trim());
    }

    [Fact]
    public async Task A_scenario_file_with_an_unknown_key_is_one_line_naming_the_file_and_key_and_exit_code_2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fedface-scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "name": "typo", "variants": [ { "label": "fast", "Roundz": 1 } ] }""");
        try
        {
            (int exit, _, string error) = await RunAsync(NoEnvironment, "simulate", path);
            (int both, _, string bothError) = await RunAsync(NoEnvironment, "simulate", path, "--config", path);
            (int missing, _, string missingError) = await RunAsync(NoEnvironment, "simulate", path + ".absent");

            Assert.Equal((2, 2, 2), (exit, both, missing));
            Assert.Equal($"fedface-simulator: {path}, variant 'fast': unknown setting 'Roundz' (did you mean Rounds?) (every key: --help or docs/configuration.md)", error.Trim());
            Assert.Equal("fedface-simulator: give a scenario file or --config, not both (a scenario file is a settings file)", bothError.Trim());
            Assert.Equal($"fedface-simulator: the scenario file {path}.absent does not exist", missingError.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_scenario_whose_variant_breaks_a_setting_is_refused_before_any_data_is_read_naming_the_variant()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fedface-scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "name": "bad", "variants": [ { "label": "ok" }, { "label": "no sites", "Sites": 0 } ] }""");
        try
        {
            (int exit, string printed, string error) = await RunAsync(NoEnvironment, "simulate", path, "--rounds", "0");

            Assert.Equal(2, exit);
            Assert.Contains("fedface-simulator: variant 'ok': --rounds must be at least 1, got 0", error, StringComparison.Ordinal);
            Assert.Contains("fedface-simulator: variant 'no sites': --sites must be at least 1, got 0", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Aligning", printed, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Regression: an --out that cannot be a folder ended the run in an unhandled IOException (exit 134, a stack trace).</summary>
    [Fact]
    public async Task An_out_folder_that_cannot_be_made_is_one_line_naming_it_and_exit_code_1()
    {
        string file = Path.GetTempFileName();
        try
        {
            (int exit, _, string error) = await RunAsync(NoEnvironment, "--engine-site-work", "synthetic", "--rounds", "1", "--out", Path.Combine(file, "run"));

            Assert.Equal(1, exit);
            Assert.StartsWith($"fedface-simulator: error: --out: cannot make the folder {Path.Combine(file, "run")} (", error.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Regression: SIGTERM (timeout, systemd, a Kubernetes Job) stopped the embedded aggregator's host alone, and the run
    /// ended with "the aggregator stopped before the federation finished; its error is logged above" and exit 1. The
    /// settings key as a flag (<c>--Rounds</c>, as the help offers) was refused as an unknown option.
    /// </summary>
    [Fact]
    public async Task SIGTERM_stops_a_run_as_Ctrl_C_does_in_one_line_with_exit_code_143()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"fedface-sigterm-{Guid.NewGuid():N}");
        int signalled = 0;
        try
        {
            (int exit, _, string error) = await RunAsync(NoEnvironment, ["--sites", "4", "--Rounds", "1000", "--engine-site-work", "synthetic", "--out", directory],
                onOutputLine: (line, process) =>
                {
                    if (line.Contains("engine: round 1:", StringComparison.Ordinal) && Interlocked.Exchange(ref signalled, 1) == 0)
                    {
                        ChildProcess.Terminate(process);
                    }
                });

            Assert.Equal(1, signalled);
            Assert.Equal(143, exit);
            Assert.Equal("stopped (SIGTERM)", error.Trim().Split('\n')[^1]);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunAsync(environment, args, onOutputLine: null);

    private async Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, string[] args,
        Action<string, System.Diagnostics.Process>? onOutputLine)
    {
        (int exit, string printed, string error) = await ChildProcess.RunAsync("dotnet", [Simulator, .. args], TimeSpan.FromMinutes(2), environment, onOutputLine);
        output.WriteLine($"exit {exit}\n{printed}\n{error}");
        return (exit, printed, error);
    }
}
