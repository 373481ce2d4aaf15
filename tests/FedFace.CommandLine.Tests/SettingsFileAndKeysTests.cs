using FedFace.CommandLine.Settings;
using Microsoft.Extensions.Configuration;

namespace FedFace.CommandLine.Tests;

public sealed class SettingsFileAndKeysTests
{
    private static readonly IReadOnlyList<SettingsSection> Sections = SettingsSection.Of(typeof(SampleSettings), SampleSettings.Section);

    [Fact]
    public void Keys_no_setting_binds_are_named_with_the_key_probably_meant_and_other_sections_and_list_items_pass()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sample:MinSitez"] = "3",
            ["Sample:Secure:Bogus"] = "1",
            ["Sample:Names:0"] = "a",
            ["Sample:secure:dropouttolerance"] = "0.1",
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();

        IReadOnlyList<string> unknown = UnknownSettings.In(configuration, SampleSettings.Section, Sections);

        Assert.Equal(["Sample:MinSitez", "Sample:Secure:Bogus"], unknown);
        Assert.Equal("unknown settings 'Sample:MinSitez' (did you mean Sample:MinSites?), 'Sample:Secure:Bogus' (every key: --help or docs/configuration.md)",
            UnknownSettings.Problem(unknown, Sections));
        Assert.Throws<UnknownSettingsException>(() => UnknownSettings.Refuse(configuration, SampleSettings.Section, Sections));
    }

    [Fact]
    public void The_config_file_layers_over_the_shipped_json_and_under_the_environment_and_the_command_line()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("appsettings.json"), """{ "Sample": { "MinSites": 1, "Day": "Friday", "StateDirectory": "shipped" } }""");
        File.WriteAllText(temp.File("site.json"), """{ "Sample": { "MinSites": 2, "Day": "Sunday" } }""");

        IConfiguration configuration = new ConfigurationBuilder()
            .AddJsonFile(temp.File("appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Day"] = "Tuesday" })
            .AddSettingsFile(temp.File("site.json"))
            .Build();
        SampleSettings settings = configuration.GetSection(SampleSettings.Section).Get<SampleSettings>()!;

        Assert.Equal((2, DayOfWeek.Tuesday), (settings.MinSites, settings.Day));
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddSettingsFile(temp.File("missing.json")));
    }

    [Fact]
    public void Settings_over_the_files_override_the_shipped_json_and_the_config_file_and_lose_to_the_environment_and_the_command_line()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("appsettings.json"), """{ "Sample": { "MinSites": 1, "Day": "Friday", "StateDirectory": "shipped" } }""");
        File.WriteAllText(temp.File("site.json"), """{ "Sample": { "MinSites": 2 } }""");

        IConfiguration configuration = new ConfigurationBuilder()
            .AddJsonFile(temp.File("appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Day"] = "Tuesday" })
            .AddSettingsFile(temp.File("site.json"))
            .AddOverFiles([new("Sample:MinSites", "4"), new("Sample:Day", "Monday"), new("Sample:StateDirectory", "kit")])
            .Build();
        SampleSettings settings = configuration.GetSection(SampleSettings.Section).Get<SampleSettings>()!;

        Assert.Equal((4, DayOfWeek.Tuesday, "kit"), (settings.MinSites, settings.Day, settings.StateDirectory));
    }

    [Fact]
    public void Relative_paths_resolve_from_the_settings_home_nested_ones_too_and_absolute_and_empty_ones_stay()
    {
        var settings = new SampleSettings { Secure = new NestedSettings { KeyPath = "keys/site.key" } };
        var absolute = new SampleSettings { StateDirectory = "/var/lib/fedface" };

        SettingsPaths.Resolve(settings, "/etc/fedface");
        SettingsPaths.Resolve(absolute, "/etc/fedface");

        Assert.Equal(("/etc/fedface/state", "/etc/fedface/keys/site.key"), (settings.StateDirectory, settings.Secure.KeyPath));
        Assert.Equal("/var/lib/fedface", absolute.StateDirectory);
        Assert.Equal(AppContext.BaseDirectory, SettingsPaths.Home(null));
        Assert.Equal("/etc/fedface", SettingsPaths.Home("/etc/fedface/site.json"));
    }
}
