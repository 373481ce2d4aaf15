using System.CommandLine;
using System.Text.RegularExpressions;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using FedFace.Core;

namespace FedFace.CommandLine;

/// <summary>
/// One executable's command line on System.CommandLine, with the conventions every FedFace program shares: --help
/// generated from its settings, --version from the build, settings as kebab-case flags (or their keys), --config on
/// the hosts, and a usage error as one line naming what was wrong (with the flag probably meant) and exit code 2.
/// </summary>
public sealed class ProgramCommandLine
{
    private readonly string _name;
    private readonly Dictionary<Command, string> _summaries = [];

    /// <param name="name">The executable's name, as --version and error lines print it.</param>
    /// <param name="description">What the program does, first in --help.</param>
    /// <param name="settings">Flags for its settings (<see cref="SettingOption.For"/>); given on every sub-command.</param>
    /// <param name="configFile">Whether it takes <c>--config PATH</c> (the hosts do).</param>
    /// <param name="settingsOnSubcommands">Whether sub-commands take the settings flags too (the simulator's experiments do).</param>
    public ProgramCommandLine(string name, string description, IReadOnlyList<SettingOption> settings, bool configFile, bool settingsOnSubcommands = true)
    {
        _name = name;
        Settings = settings;
        // Help's usage lines name the program, not the process it runs in (dotnet, a test host).
        Root = new RootCommand(description) { HelpName = name };
        // The program's work follows the parse (its own code, not an action); without one System.CommandLine would ask
        // for a sub-command wherever there are some.
        Root.SetAction(_ => ExitCodes.Success);
        foreach (VersionOption version in Root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersion(name);
        }
        foreach (HelpOption help in Root.Options.OfType<HelpOption>())
        {
            // Redirected output has no width; descriptions wrap at a terminal's.
            help.Action = new HelpListingSummaries(new HelpAction { MaxWidth = 120 }, _summaries);
        }
        if (configFile)
        {
            Config = new Option<string>("--config")
            {
                Description = "A JSON settings file (keys as in --help and docs/configuration.md), under the environment and the flags; its relative paths are taken from its folder.",
                HelpName = "PATH",
                Recursive = settingsOnSubcommands,
            };
            Config.Validators.Add(result =>
            {
                if (result.Tokens is [{ Value: var path }] && !File.Exists(path))
                {
                    result.AddError($"--config: the settings file {Path.GetFullPath(path)} does not exist");
                }
            });
            Root.Options.Add(Config);
        }
        foreach (SettingOption setting in settings)
        {
            setting.Option.Recursive = settingsOnSubcommands;
            Root.Options.Add(setting.Option);
        }
    }

    public RootCommand Root { get; }

    /// <summary>
    /// Adds a sub-command that the program's --help lists by <paramref name="summary"/>, one line, while its own --help
    /// gives its whole description (what it does, in paragraphs, and its exit codes).
    /// </summary>
    public void AddCommand(Command command, string summary)
    {
        ArgumentNullException.ThrowIfNull(command);
        Root.Subcommands.Add(command);
        _summaries[command] = summary;
    }

    public Option<string>? Config { get; }
    public IReadOnlyList<SettingOption> Settings { get; }

    /// <summary>
    /// Parses <paramref name="args"/>. --help and --version are answered here (exit code 0), a usage error is reported
    /// in one line on <paramref name="error"/> (exit code 2); otherwise the outcome carries what to run with.
    /// </summary>
    public CommandLineOutcome Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        List<string> words = LastSettingWins([.. args.Select(KeyFlagAsName)]);
        ParseResult result = Root.Parse(words);
        // A misspelt option that an argument took is left out, with its value (the word after it, unless --name=value or
        // the option meant is a flag), and the rest parsed again.
        var takenAsArguments = new List<string>();
        while (ParseProblems.OptionTakenAsArgument(result) is { } misspelt && words.IndexOf(misspelt) is var at and >= 0)
        {
            takenAsArguments.Add(misspelt);
            bool valueFollows = !misspelt.Contains('=', StringComparison.Ordinal) && at + 1 < words.Count && !words[at + 1].StartsWith('-')
                && ParseProblems.MeantOptionTakesValue(result.CommandResult.Command, misspelt);
            words.RemoveRange(at, valueFollows ? 2 : 1);
            result = Root.Parse(words);
        }
        if (result.Action is HelpListingSummaries or PrintVersion)
        {
            int code = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return new CommandLineOutcome(code, result, [], null);
        }
        if (ParseProblems.HasProblems(result) || takenAsArguments.Count > 0)
        {
            error.WriteLine(ParseProblems.Line(ParseProblems.Where(_name, result),
                ParseProblems.OneLine(result, Settings.Select(setting => setting.KeyFlag), takenAsArguments)));
            return new CommandLineOutcome(ExitCodes.UsageError, result, [], null);
        }
        KeyValuePair<string, string?>[] given = [.. Settings
            .Select(setting => (setting.Setting.Key, Value: setting.GivenValue(result)))
            .Where(pair => pair.Value is not null)
            .Select(pair => KeyValuePair.Create(pair.Key, pair.Value))];
        string? configPath = Config is null ? null : result.GetValue(Config);
        return new CommandLineOutcome(null, result, given, configPath is null ? null : Path.GetFullPath(configPath));
    }

    /// <summary>
    /// A settings key given as a flag (<c>--Aggregator:MinSites 3</c>, <c>--Aggregator:MinSites=3</c>, or a top-level key
    /// such as the simulator's <c>--Rounds 3</c>; case as configuration ignores it) read as its kebab-case flag, so the
    /// help lists each setting once. A flag the parser knows by that exact name stays as it is.
    /// </summary>
    private string KeyFlagAsName(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            return arg;
        }
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        string flag = equals < 0 ? arg : arg[..equals];
        if (Root.Options.Any(option => option.Name == flag || option.Aliases.Contains(flag)))
        {
            return arg;
        }
        SettingOption? setting = Settings.FirstOrDefault(s => s.KeyFlag.Equals(flag, StringComparison.OrdinalIgnoreCase));
        return setting is null ? arg : setting.Option.Name + (equals < 0 ? "" : arg[equals..]);
    }

    /// <summary>
    /// <paramref name="args"/> without the earlier of a setting given twice: configuration's command line lets the last
    /// win (a script adds to a base command line), where System.CommandLine would refuse the second.
    /// </summary>
    private List<string> LastSettingWins(List<string> args)
    {
        var spans = new List<(string Name, int Start, int Length)>();
        for (int i = 0; i < args.Count; i++)
        {
            int equals = args[i].IndexOf('=', StringComparison.Ordinal);
            string flag = equals > 0 ? args[i][..equals] : args[i];
            if (Settings.FirstOrDefault(s => s.Option.Name == flag) is not { } setting)
            {
                continue;
            }
            bool valueFollows = equals < 0 && i + 1 < args.Count && (setting.Option is Option<bool>
                ? args[i + 1] is "true" or "false" or "True" or "False"
                : !args[i + 1].StartsWith("--", StringComparison.Ordinal));
            spans.Add((flag, i, valueFollows ? 2 : 1));
        }
        var dropped = new HashSet<int>();
        foreach ((string _, int start, int length) in spans.GroupBy(span => span.Name).SelectMany(group => group.SkipLast(1)))
        {
            dropped.UnionWith(Enumerable.Range(start, length));
        }
        return [.. args.Where((_, index) => !dropped.Contains(index))];
    }

    /// <summary>
    /// --help, where a command's list of sub-commands gives each added by <see cref="AddCommand"/> its summary rather
    /// than its whole description (System.CommandLine 3 keeps its help builder's customisations internal, so the list is
    /// written with the summaries put in for the while).
    /// </summary>
    private sealed class HelpListingSummaries(HelpAction help, IReadOnlyDictionary<Command, string> summaries) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => help.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            (Command Command, string? Description)[] listed = [.. parseResult.CommandResult.Command.Subcommands
                .Where(summaries.ContainsKey).Select(command => (command, command.Description))];
            try
            {
                foreach ((Command command, _) in listed)
                {
                    command.Description = summaries[command];
                }
                return help.Invoke(parseResult);
            }
            finally
            {
                foreach ((Command command, string? description) in listed)
                {
                    command.Description = description;
                }
            }
        }
    }

    /// <summary>--version: the one build-wide version, as every FedFace program prints it.</summary>
    private sealed class PrintVersion(string name) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(BuildVersion.Line(name));
            return ExitCodes.Success;
        }
    }
}

/// <summary>
/// What a parse decided: an exit code when it is already answered (help, version, a usage error), else the parse with
/// the settings given as flags (full keys) and the --config file.
/// </summary>
public sealed record CommandLineOutcome(int? ExitCode, ParseResult Result, IReadOnlyList<KeyValuePair<string, string?>> Settings, string? ConfigFile)
{
    /// <summary>The given settings as Microsoft.Extensions.Configuration's command line takes them (<c>--Aggregator:MinSites=3</c>), then <c>--config=PATH</c>.</summary>
    public string[] ConfigurationArguments() =>
        [.. Settings.Select(pair => $"--{pair.Key}={pair.Value}"), .. ConfigFile is null ? Array.Empty<string>() : [$"--{SettingsFile.Key}={ConfigFile}"]];
}
