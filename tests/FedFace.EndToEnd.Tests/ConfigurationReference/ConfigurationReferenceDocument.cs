using System.Text;
using FedFace.Aggregator;
using FedFace.Client;
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
        text.AppendLine("Every setting the aggregator, the site and the simulator bind, with its default and meaning, generated from the");
        text.AppendLine("settings classes. The aggregator (`fedface-aggregator`) and the site (`fedface-site`) read `appsettings.json` next");
        text.AppendLine("to the binary, then environment variables (`:` written `__`, e.g. `Aggregator__MinSites=3`), then the command line");
        text.AppendLine("(`--Aggregator:MinSites 3`); where the shipped `appsettings.json` sets a value other than the class default, both are");
        text.AppendLine("shown. Every problem with the settings is reported by name at start-up and the program exits non-zero.");
        text.AppendLine("See [operations.md](operations.md) for what the settings are for.");
        text.AppendLine();
        AppendProgram(text, "Aggregator", "section `Aggregator`",
            SettingsSection.Of(typeof(AggregatorOptions), AggregatorOptions.Section, Shipped<AggregatorOptions>(repositoryRoot, "src/FedFace.Aggregator/appsettings.json", AggregatorOptions.Section)));
        AppendProgram(text, "Site", "section `Site`",
            SettingsSection.Of(typeof(SiteOptions), SiteOptions.Section, Shipped<SiteOptions>(repositoryRoot, "src/FedFace.Client/appsettings.json", SiteOptions.Section)));
        AppendSimulator(text, SettingsSection.Of(typeof(SimulatorOptions), ""));
        return text.ToString();
    }

    /// <summary>What the shipped appsettings.json binds for <paramref name="section"/>, or null without one.</summary>
    private static T? Shipped<T>(string repositoryRoot, string relativePath, string section) where T : class
    {
        string path = Path.Combine(repositoryRoot, relativePath);
        return File.Exists(path) ? new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(section).Get<T>() : null;
    }

    private static void AppendProgram(StringBuilder text, string title, string where, IReadOnlyList<SettingsSection> sections)
    {
        text.AppendLine($"## {title} ({where})");
        text.AppendLine();
        AppendSections(text, sections, flagOf: null);
    }

    /// <summary>
    /// The simulator binds its settings at the configuration's root: every one takes <c>--Name value</c> or
    /// FEDFACE_SIM_Name, and most have a short flag (<see cref="SimulatorOptions.SwitchMappings"/>).
    /// </summary>
    private static void AppendSimulator(StringBuilder text, IReadOnlyList<SettingsSection> sections)
    {
        Dictionary<string, string> flagOf = SimulatorOptions.SwitchMappings
            .GroupBy(mapping => mapping.Value, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => string.Join(", ", group.Select(mapping => $"`{mapping.Key}`")), StringComparer.OrdinalIgnoreCase);
        text.AppendLine("## Simulator (`fedface-simulator`, `./run-demo.sh`)");
        text.AppendLine();
        text.AppendLine("The simulator runs a PKI, a real aggregator and its sites in one process. Each setting takes its flag, or");
        text.AppendLine("`--Name value`, or the environment variable `FEDFACE_SIM_Name`; an on/off flag alone means true.");
        text.AppendLine();
        AppendSections(text, sections, flagOf);
        var listed = new HashSet<string>(sections.SelectMany(section => section.Rows).Select(row => row.Key), StringComparer.OrdinalIgnoreCase);
        string[] elsewhere = [.. flagOf.Where(flag => !listed.Contains(flag.Key)).Select(flag => $"{flag.Value} → `{flag.Key}`")];
        if (elsewhere.Length > 0)
        {
            text.AppendLine($"Other flags: {string.Join("; ", elsewhere)}.");
            text.AppendLine();
        }
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
