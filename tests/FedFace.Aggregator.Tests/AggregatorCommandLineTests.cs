using FedFace.Aggregator.Tests.Kit;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// The built aggregator's command line: <c>--version</c> and <c>--help</c> answer and exit 0 without starting anything;
/// an unknown flag or settings key is one line naming it, exit code 2.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorCommandLineTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task Version_prints_one_line_with_the_build_version_and_exits_0_without_starting()
    {
        (ProcessRun run, string workspace) = await RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^fedface-aggregator \d+\.\d+\.\d+(\+[0-9a-f]+)?$", Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim());
        Assert.Empty(run.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workspace));
    }

    [Fact]
    public async Task Help_describes_every_setting_as_a_flag_from_the_settings_classes_and_exits_0_without_starting()
    {
        (ProcessRun run, string workspace) = await RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("fedface-aggregator [options]", run.Output, StringComparison.Ordinal);
        Assert.Contains("docs/configuration.md", run.Output, StringComparison.Ordinal);
        Assert.Contains("--config <PATH>", run.Output, StringComparison.Ordinal);
        // The doc comment of AggregatorOptions.ListenAddress, and a nested section's setting under its kebab-case flag.
        Assert.Matches(@"--listen-address <text>\s+The IP address to listen on", run.Output);
        Assert.Contains("--secure-aggregation-dropout-tolerance <number>", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workspace));
    }

    [Theory]
    [InlineData("--min-site", "unknown option '--min-site' (did you mean --min-sites?)")]
    [InlineData("--Aggregator:MinSite", "unknown option '--Aggregator:MinSite' (did you mean --Aggregator:MinSites?)")]
    [InlineData("--bogus-flag", "unknown option '--bogus-flag'")]
    public async Task An_unknown_flag_is_one_line_with_the_flag_probably_meant_and_exit_code_2(string flag, string expected)
    {
        (ProcessRun run, string workspace) = await RunAsync(flag, "3");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"fedface-aggregator: {expected} (see fedface-aggregator --help)", Assert.Single(run.ErrorLines).Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(workspace));
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_usage_error_naming_the_flag()
    {
        (ProcessRun run, _) = await RunAsync("--min-sites", "three");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("fedface-aggregator: --min-sites (Aggregator:MinSites): 'three' is not a valid integer", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_settings_keys_in_the_config_file_and_the_environment_are_refused_by_name_with_exit_code_2()
    {
        string workspace = federation.Workspace("command-line-unknown-keys");
        string config = Path.Combine(workspace, "aggregator.json");
        File.WriteAllText(config, """{ "Aggregator": { "MinSitez": 3 } }""");

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, new Dictionary<string, string> { ["Aggregator__Bogus"] = "1" }, "--config", config);

        output.WriteLine(run.ToString());
        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains("'Aggregator:Bogus'", line, StringComparison.Ordinal);
        Assert.Contains("'Aggregator:MinSitez' (did you mean Aggregator:MinSites?)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_file_sets_kebab_and_key_settings_and_its_relative_paths_are_taken_from_its_folder()
    {
        string workspace = federation.Workspace("command-line-config");
        string settings = Directory.CreateDirectory(Path.Combine(workspace, "settings")).FullName;
        File.WriteAllText(Path.Combine(settings, "aggregator.json"), """{ "Aggregator": { "CertificatePath": "tls/aggregator.crt" } }""");

        // Started elsewhere, it looks for the certificate beside its settings file, not under the working directory.
        ProcessRun run = await AggregatorProcess.RunAsync(federation.Workspace("command-line-config-elsewhere"), "--config", Path.Combine(settings, "aggregator.json"), "--min-sites", "1");

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"Aggregator:CertificatePath '{Path.Combine(settings, "tls", "aggregator.crt")}' does not exist", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_config_file_the_default_paths_are_the_programs_folder_not_the_working_directory()
    {
        (ProcessRun run, string workspace) = await RunAsync("--min-sites", "1");

        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains($"Aggregator:CertificatePath '{Path.Combine(AppContext.BaseDirectory, "certs", "generated", "aggregator.crt")}' does not exist", line, StringComparison.Ordinal);
        Assert.DoesNotContain(workspace, line, StringComparison.Ordinal);
    }

    private async Task<(ProcessRun Run, string Workspace)> RunAsync(params string[] args)
    {
        string workspace = federation.Workspace($"command-line{string.Concat(args)}");
        ProcessRun run = await AggregatorProcess.RunAsync(workspace, args);
        output.WriteLine(run.ToString());
        return (run, workspace);
    }
}
