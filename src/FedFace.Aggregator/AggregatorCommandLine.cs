using System.CommandLine;
using FedFace.CommandLine;
using FedFace.CommandLine.Settings;

namespace FedFace.Aggregator;

/// <summary>
/// <c>fedface-aggregator</c>'s command line: a flag per setting of <see cref="AggregatorOptions"/> (<c>--min-sites 3</c>,
/// or its key, <c>--Aggregator:MinSites 3</c>), <c>--config</c>, <c>--help</c> and <c>--version</c>.
/// </summary>
public static class AggregatorCommandLine
{
    public const string Name = "fedface-aggregator";

    private const string Description = """
        Runs the federation's aggregator: gRPC over mutual TLS, with gRPC health and reflection.
        Settings, each layer over the one before: appsettings.json next to the binary, the --config file, the environment
        (Aggregator__MinSites=3), then the flags below (--min-sites 3, or by key: --Aggregator:MinSites 3). A relative
        path on the command line is taken from the working directory; anywhere else from the --config file's folder (or,
        without one, the program's). Unknown keys are refused. Every key: docs/configuration.md.
        """;

    /// <summary>The aggregator's settings as the configuration reference and --help list them.</summary>
    public static IReadOnlyList<SettingsSection> Settings() => SettingsSection.Of(typeof(AggregatorOptions), AggregatorOptions.Section);

    public static ProgramCommandLine Create()
    {
        var commandLine = new ProgramCommandLine(Name, Description, SettingOption.For(Settings(), AggregatorOptions.Section), configFile: true);
        // Taken only to be refused with the settings to use instead (AggregatorHost.RefuseUrls), rather than as an unknown flag.
        commandLine.Root.Options.Add(new Option<string>("--urls") { Hidden = true });
        return commandLine;
    }

    /// <summary>What the host's configuration takes: the given settings, --config and a refused --urls.</summary>
    public static string[] ConfigurationArguments(CommandLineOutcome parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        string? urls = parsed.Result.GetValue<string>("--urls");
        return [.. parsed.ConfigurationArguments(), .. urls is null ? Array.Empty<string>() : [$"--urls={urls}"]];
    }
}
