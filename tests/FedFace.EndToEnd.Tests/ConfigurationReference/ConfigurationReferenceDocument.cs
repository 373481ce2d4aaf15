using System.Text;
using FedFace.Aggregator;
using FedFace.Client;
using FedFace.CommandLine;
using FedFace.CommandLine.Settings;
using FedFace.Simulator;
using Microsoft.Extensions.Configuration;

namespace FedFace.EndToEnd.Tests.ConfigurationReference;

/// <summary>
/// docs/configuration.md, written from the settings classes themselves (names, defaults of a fresh instance, the XML doc
/// comments' summaries), so that it cannot drift from what the programs bind.
/// </summary>
internal static class ConfigurationReferenceDocument
{
    public const string RelativePath = "docs/configuration.md";
    public const string RegenerateCommand = "bash scripts/configuration-reference.sh";

    public static string Generate(string repositoryRoot)
    {
        var text = new StringBuilder();
        text.AppendLine("# Configuration reference");
        text.AppendLine();
        text.AppendLine($"<!-- Generated from the settings classes by tests/FedFace.EndToEnd.Tests/ConfigurationReference; do not edit by hand. Regenerate: {RegenerateCommand} -->");
        text.AppendLine();
        text.AppendLine("Every setting the aggregator, the site and the simulator bind, with its flag, default and meaning, generated from");
        text.AppendLine("the settings classes (each program's `--help` lists the same). The aggregator (`fedface-aggregator`) and the site");
        text.AppendLine("(`fedface-site`) read `appsettings.json` next to the binary, then the `--config PATH` file, then environment variables");
        text.AppendLine("(`:` written `__`, e.g. `Aggregator__MinSites=3`), then the command line: the flag (`--min-sites 3`) or the key");
        text.AppendLine("(`--Aggregator:MinSites 3`). Where the shipped `appsettings.json` sets a value other than the class default, both are");
        text.AppendLine("shown. A relative path given on the command line is taken from the working directory; anywhere else (a default, a");
        text.AppendLine("settings file, the environment) from the `--config` file's folder, or without one the program's own folder.");
        text.AppendLine("An unknown key or flag is refused at start-up by name (exit code 2); every other problem with the settings is");
        text.AppendLine("reported by name and the program exits non-zero.");
        text.AppendLine("See [operations.md](operations.md) for what the settings are for.");
        text.AppendLine();
        AppendProgram(text, "Aggregator", "section `Aggregator`", AggregatorOptions.Section,
            SettingsSection.Of(typeof(AggregatorOptions), AggregatorOptions.Section, Shipped<AggregatorOptions>(repositoryRoot, "src/FedFace.Aggregator/appsettings.json", AggregatorOptions.Section)));
        AppendProgram(text, "Site", "section `Site`", SiteOptions.Section,
            SettingsSection.Of(typeof(SiteOptions), SiteOptions.Section, Shipped<SiteOptions>(repositoryRoot, "src/FedFace.Client/appsettings.json", SiteOptions.Section)));
        AppendSimulator(text, SimulatorCommandLine.Settings());
        return text.ToString();
    }

    /// <summary>What the shipped appsettings.json binds for <paramref name="section"/>, or null without one.</summary>
    private static T? Shipped<T>(string repositoryRoot, string relativePath, string section) where T : class
    {
        string path = Path.Combine(repositoryRoot, relativePath);
        return File.Exists(path) ? new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(section).Get<T>() : null;
    }

    private static void AppendProgram(StringBuilder text, string title, string where, string sectionKey, IReadOnlyList<SettingsSection> sections)
    {
        text.AppendLine($"## {title} ({where})");
        text.AppendLine();
        AppendSections(text, sections, SettingOption.For(sections, sectionKey).ToDictionary(flag => flag.Setting.Key, flag => $"`{flag.Option.Name}`"));
    }

    /// <summary>
    /// The simulator binds its settings at the configuration's root: each takes its flag (a short one where
    /// <see cref="SimulatorOptions.SwitchMappings"/> has it), or <c>--Name value</c>, or FEDFACE_SIM_Name.
    /// </summary>
    private static void AppendSimulator(StringBuilder text, IReadOnlyList<SettingsSection> sections)
    {
        Dictionary<string, string> flagOf = SimulatorCommandLine.Create().Program.Settings
            .ToDictionary(flag => flag.Setting.Key, flag => $"`{flag.Option.Name}`", StringComparer.OrdinalIgnoreCase);
        text.AppendLine("## Simulator (`fedface-simulator`, `./run-demo.sh`)");
        text.AppendLine();
        text.AppendLine("The simulator runs a PKI, a real aggregator and its sites in one process. Each setting takes its flag, or");
        text.AppendLine("`--Name value`, or the environment variable `FEDFACE_SIM_Name`, or a `--config` JSON file; an on/off flag alone");
        text.AppendLine("means true. Its commands' own flags (`experiment`, `bench-learning`): `fedface-simulator COMMAND --help`.");
        text.AppendLine();
        AppendSections(text, sections, flagOf);
    }

    /// <summary>Each section's heading (none at the root), description and table; a flag column when <paramref name="flagOf"/> is given.</summary>
    private static void AppendSections(StringBuilder text, IReadOnlyList<SettingsSection> sections, IReadOnlyDictionary<string, string>? flagOf)
    {
        foreach (SettingsSection section in sections)
        {
            if (section.Key.Length > 0)
            {
                text.AppendLine($"### `{section.Key}`");
                text.AppendLine();
                AppendDescription(text, section);
            }
            text.AppendLine(flagOf is null ? "| key | values | default | meaning |" : "| flag | setting | values | default | meaning |");
            text.AppendLine(flagOf is null ? "| --- | --- | --- | --- |" : "| --- | --- | --- | --- | --- |");
            foreach (SettingRow row in section.Rows)
            {
                string flag = flagOf is null ? "" : $"| {flagOf.GetValueOrDefault(row.Key, "")} ";
                text.AppendLine($"{flag}| `{row.Key}` | {row.Values} | {row.Default} | {Cell(row.Description)} |");
            }
            text.AppendLine();
        }
    }

    private static void AppendDescription(StringBuilder text, SettingsSection section)
    {
        string absent = section.AbsentByDefault ? "Absent by default: setting any of its keys turns it on." : "";
        string description = string.Join(' ', new[] { section.Description, absent }.Where(part => !string.IsNullOrEmpty(part)));
        if (description.Length > 0)
        {
            text.AppendLine(description);
            text.AppendLine();
        }
    }

    private static string Cell(string text) => text.Length == 0 ? "—" : text.Replace("|", "\\|", StringComparison.Ordinal);
}
