using FedFace.CommandLine.Settings;

namespace FedFace.CommandLine.Tests;

/// <summary>The conventions every program's command line shares, on a sample settings class.</summary>
public sealed class ProgramCommandLineTests
{
    private static readonly IReadOnlyList<SettingsSection> Sections = SettingsSection.Of(typeof(SampleSettings), SampleSettings.Section);

    private static ProgramCommandLine Create() =>
        new("sample", "A sample program.", SettingOption.For(Sections, SampleSettings.Section), configFile: true);

    private static (CommandLineOutcome Outcome, string Output, string Error) Parse(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        CommandLineOutcome outcome = Create().Parse(args, output, error);
        return (outcome, output.ToString(), error.ToString());
    }

    [Fact]
    public void Kebab_case_flags_and_settings_keys_give_the_same_keys_and_the_last_of_a_repeated_setting_wins()
    {
        (CommandLineOutcome outcome, _, string error) = Parse("--min-sites", "3", "--Sample:Secure:DropoutTolerance", "0.2", "--sample:minsites=4", "--verbose");

        Assert.Null(outcome.ExitCode);
        Assert.Empty(error);
        Assert.Equal(
            new Dictionary<string, string?> { ["Sample:MinSites"] = "4", ["Sample:Verbose"] = "true", ["Sample:Secure:DropoutTolerance"] = "0.2" },
            outcome.Settings.ToDictionary());
        Assert.Contains("--Sample:MinSites=4", outcome.ConfigurationArguments());
    }

    /// <summary>Regression: the simulator's settings have no section, and its help's "or by key: --Rounds 3" was refused as an unknown option.</summary>
    [Fact]
    public void Settings_without_a_section_take_their_top_level_keys_as_flags_too()
    {
        var program = new ProgramCommandLine("sample", "A sample program.", SettingOption.For(SettingsSection.Of(typeof(SampleSettings), ""), ""), configFile: true);
        using var output = new StringWriter();
        using var error = new StringWriter();

        CommandLineOutcome outcome = program.Parse(["--MinSites", "3", "--verbose", "--secure:dropouttolerance=0.2", "--StateDirectory", "runs"], output, error);

        Assert.Empty(error.ToString());
        Assert.Null(outcome.ExitCode);
        Assert.Equal(
            new Dictionary<string, string?> { ["MinSites"] = "3", ["Verbose"] = "true", ["Secure:DropoutTolerance"] = "0.2", ["StateDirectory"] = Path.GetFullPath("runs") },
            outcome.Settings.ToDictionary());
    }

    [Fact]
    public void A_relative_path_typed_on_the_command_line_means_the_working_directory()
    {
        (CommandLineOutcome outcome, _, _) = Parse("--state-directory", "runs/state", "--secure-key-path", "");

        Assert.Equal(Path.GetFullPath("runs/state"), outcome.Settings.Single(pair => pair.Key == "Sample:StateDirectory").Value);
        Assert.Equal("", outcome.Settings.Single(pair => pair.Key == "Sample:Secure:KeyPath").Value);
    }

    [Theory]
    [InlineData("--min-site", "sample: unknown option '--min-site' (did you mean --min-sites?) (see sample --help)")]
    [InlineData("--Sample:MinSite", "sample: unknown option '--Sample:MinSite' (did you mean --Sample:MinSites?) (see sample --help)")]
    [InlineData("--min-sites", "sample: --min-sites (Sample:MinSites): 'x' is not a valid integer (see sample --help)")]
    [InlineData("--give-up-after-seconds", "sample: --give-up-after-seconds (Sample:GiveUpAfterSeconds): 'x' is not a valid number (see sample --help)")]
    [InlineData("--day", "sample: --day (Sample:Day): 'x' is not one of Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday (see sample --help)")]
    public void A_usage_error_is_one_line_naming_what_was_wrong_and_exit_code_2(string flag, string expected)
    {
        (CommandLineOutcome outcome, string output, string error) = Parse(flag, "x");

        Assert.Equal(ExitCodes.UsageError, outcome.ExitCode);
        Assert.Empty(output);
        Assert.Equal(expected, error.TrimEnd('\n', '\r'));
    }

    [Fact]
    public void Help_lists_every_setting_with_its_values_and_default_and_version_prints_the_build_version()
    {
        (CommandLineOutcome help, string text, _) = Parse("--help");
        (CommandLineOutcome version, string line, _) = Parse("--version");

        Assert.Equal((0, 0), (help.ExitCode, version.ExitCode));
        Assert.Matches(@"--min-sites <integer>\s+\[default: 2\]", text);
        Assert.Contains("Sunday|Monday|Tuesday", text, StringComparison.Ordinal);
        Assert.Contains("--secure-dropout-tolerance <number>", text, StringComparison.Ordinal);
        Assert.Contains("--config <PATH>", text, StringComparison.Ordinal);
        Assert.Matches(@"^sample \d+\.\d+\.\d+", line);
    }

    [Fact]
    public void A_config_file_that_does_not_exist_is_a_usage_error()
    {
        (CommandLineOutcome outcome, _, string error) = Parse("--config", "/nowhere/settings.json");

        Assert.Equal(ExitCodes.UsageError, outcome.ExitCode);
        Assert.Contains("--config: the settings file /nowhere/settings.json does not exist", error, StringComparison.Ordinal);
    }
}
