using FedFace.Aggregator;
using FedFace.Client;
using FedFace.CommandLine.Settings;

namespace FedFace.EndToEnd.Tests.ConfigurationReference;

/// <summary>docs/configuration.md is generated from the settings classes and fails the build's tests once it is stale.</summary>
public sealed class ConfigurationReferenceTests
{
    [Fact]
    public void The_committed_configuration_reference_is_what_the_settings_classes_generate()
    {
        string root = ConfigurationReferenceFreshness.RepositoryRoot();
        string path = Path.Combine(root, ConfigurationReferenceDocument.RelativePath);
        string generated = ConfigurationReferenceDocument.Generate(root);
        if (Environment.GetEnvironmentVariable(ConfigurationReferenceFreshness.WriteVariable) == "1")
        {
            File.WriteAllText(path, generated);
        }

        string? problem = ConfigurationReferenceFreshness.Problem(File.Exists(path) ? File.ReadAllText(path) : null, generated);

        Assert.True(problem is null, problem);
    }

    [Fact]
    public void A_reference_that_lacks_a_setting_is_stale_and_the_failure_names_the_command_that_regenerates_it()
    {
        string generated = ConfigurationReferenceDocument.Generate(ConfigurationReferenceFreshness.RepositoryRoot());
        string withoutListenAddress = string.Join('\n', generated.Split('\n').Where(line => !line.Contains("`Aggregator:ListenAddress`", StringComparison.Ordinal)));

        string? problem = ConfigurationReferenceFreshness.Problem(withoutListenAddress, generated);

        Assert.NotNull(problem);
        Assert.Contains("docs/configuration.md is stale", problem);
        Assert.Contains("Aggregator:ListenAddress", problem);
        Assert.Contains("bash scripts/configuration-reference.sh", problem);
        Assert.Null(ConfigurationReferenceFreshness.Problem(generated.ReplaceLineEndings("\r\n"), generated));
    }

    [Fact]
    public void Nested_settings_are_listed_under_their_full_keys_with_the_defaults_of_a_fresh_instance_and_their_doc_comments()
    {
        SettingRow[] rows = [.. SettingsSection.Of(typeof(AggregatorOptions), AggregatorOptions.Section).SelectMany(section => section.Rows)];

        SettingRow listen = Assert.Single(rows, row => row.Key == "Aggregator:ListenAddress");
        Assert.Equal("`127.0.0.1`", listen.Default);
        Assert.StartsWith("The IP address to listen on", listen.Description);
        SettingRow dropout = Assert.Single(rows, row => row.Key == "Aggregator:SecureAggregation:DropoutTolerance");
        Assert.Equal(("number", "`0.3`"), (dropout.Values, dropout.Default));
        Assert.Single(rows, row => row.Key == "Aggregator:DifferentialPrivacy:Adaptive:TargetQuantile");
        Assert.Contains("`Central`", Assert.Single(rows, row => row.Key == "Aggregator:DifferentialPrivacy:Mode").Values);
    }

    [Fact]
    public void Every_setting_of_every_program_is_described_so_that_its_help_and_the_reference_explain_it()
    {
        string[] undescribed = [.. new[] { AggregatorCommandLine.Settings(), SiteCommandLine.Settings(), FedFace.Simulator.SimulatorCommandLine.Settings() }
            .SelectMany(sections => sections).SelectMany(section => section.Rows)
            .Where(row => row.Description.Length == 0).Select(row => row.Key)];

        Assert.True(undescribed.Length == 0, $"settings without a <summary> doc comment: {string.Join(", ", undescribed)}");
    }

    [Fact]
    public void Every_setting_has_its_own_flag()
    {
        foreach (FedFace.CommandLine.ProgramCommandLine program in new[]
                 { AggregatorCommandLine.Create(), SiteCommandLine.Create().Program, FedFace.Simulator.SimulatorCommandLine.Create().Program })
        {
            string[] flags = [.. program.Settings.Select(setting => setting.Option.Name)];
            Assert.Equal(flags.Length, flags.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.All(flags, flag => Assert.Matches("^--[a-z0-9]+(-[a-z0-9]+)*$", flag));
        }
    }

    [Fact]
    public void A_value_the_shipped_appsettings_changes_is_shown_next_to_the_class_default()
    {
        using var checkout = new TempDirectory();
        Directory.CreateDirectory(checkout.File("src/FedFace.Client"));
        File.WriteAllText(checkout.File("src/FedFace.Client/appsettings.json"), """{ "Site": { "Seed": 42 } }""");

        string generated = ConfigurationReferenceDocument.Generate(checkout.Path);

        string seed = Assert.Single(generated.Split('\n'), line => line.Contains("| `Site:Seed` |", StringComparison.Ordinal));
        Assert.Contains($"`{new SiteOptions().Seed}` (appsettings.json: `42`)", seed);
        string retry = Assert.Single(generated.Split('\n'), line => line.Contains("| `Site:RetryBaseDelayMilliseconds` |", StringComparison.Ordinal));
        Assert.DoesNotContain("appsettings.json", retry);
    }
}
