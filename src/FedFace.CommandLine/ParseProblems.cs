using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FedFace.CommandLine;

/// <summary>A parse's usage errors as operators read them: one line, unknown words with what was probably meant.</summary>
public static class ParseProblems
{
    /// <summary>"fedface-certs kit": the program and the command the errors belong to.</summary>
    public static string Where(string programName, ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return string.Join(' ', result.CommandResult.Command.Parents.OfType<Command>().Where(c => c is not RootCommand).Select(c => c.Name)
            .Reverse().Prepend(programName).Append(result.CommandResult.Command is RootCommand ? "" : result.CommandResult.Command.Name).Where(part => part.Length > 0));
    }

    /// <summary>
    /// Every error in one line: an unknown word with the flag or command it probably meant, then the parser's own
    /// messages (less those about a flag suggested for a misspelt one: the suggestion already says what to type).
    /// <paramref name="optionsTakenAsArguments"/> are unknown options that were left out of the parse
    /// (<see cref="OptionTakenAsArgument"/>).
    /// </summary>
    public static string OneLine(ParseResult result, IEnumerable<string>? moreFlags = null, IEnumerable<string>? optionsTakenAsArguments = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (OptionWithoutItsValue(result) is { } withoutValue)
        {
            return withoutValue;
        }
        Command command = result.CommandResult.Command;
        string[] flags = [.. KnownFlags(command), .. moreFlags ?? []];
        string[] commands = [.. command.Subcommands.Select(sub => sub.Name)];
        // Where only a sub-command can come, a word is a command's name: the words after it were meant for that command.
        bool wantsCommand = commands.Length > 0 && command.Arguments.Count == 0;
        var unknown = new List<string>();
        var suggested = new List<string>();
        void UnknownOption(string token)
        {
            // --galery=x is --galery misspelt.
            string flag = token.Split('=', 2)[0];
            unknown.Add($"unknown option '{token}'{Suggestions.Hint(flag, flags)}");
            if (Suggestions.Closest(flag, flags) is { } meant)
            {
                suggested.Add(meant);
            }
        }
        foreach (string token in optionsTakenAsArguments ?? [])
        {
            UnknownOption(token);
        }
        for (int i = 0; i < result.UnmatchedTokens.Count; i++)
        {
            string token = result.UnmatchedTokens[i];
            if (token.StartsWith('-'))
            {
                UnknownOption(token);
                // The word after an unknown option is taken as its value, not reported as a second problem (unless the
                // option meant is a flag, which takes none).
                if (i + 1 < result.UnmatchedTokens.Count && !result.UnmatchedTokens[i + 1].StartsWith('-') && MeantOptionTakesValue(command, token))
                {
                    i++;
                }
            }
            else if (wantsCommand)
            {
                unknown.Add($"unknown command '{token}'{Suggestions.Hint(token, commands)}");
                break;
            }
            else
            {
                unknown.Add($"unexpected argument '{token}'{Suggestions.Hint(token, commands)}");
            }
        }
        IEnumerable<string> others = result.Errors.Select(e => e.Message)
            .Where(message => !result.UnmatchedTokens.Concat(suggested).Any(token => message.Contains($"'{token}'", StringComparison.Ordinal)));
        return string.Join("; ", unknown.Concat(others).Select(Flatten).Distinct());
    }

    /// <summary>
    /// Whether the parse went wrong: the parser's errors, or an option that took the next option as its value (which the
    /// parser itself accepts, as in <c>--gallery --json</c>).
    /// </summary>
    public static bool HasProblems(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Errors.Count > 0 || OptionWithoutItsValue(result) is not null;
    }

    /// <summary>
    /// An option given no value, whose value System.CommandLine took from the next word though that word is one of the
    /// command's options (<c>--gallery --model m</c>), said as the one problem, or null: the parser's own messages about
    /// it ("unexpected argument 'm'", "Option '--model' is required") would name the consequences, not the mistake.
    /// <see cref="OneLine"/> says it alone.
    /// </summary>
    public static string? OptionWithoutItsValue(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var flags = new HashSet<string>(KnownFlags(result.CommandResult.Command), StringComparer.Ordinal);
        for (SymbolResult? symbol = result.CommandResult; symbol is not null; symbol = symbol.Parent)
        {
            foreach (OptionResult option in symbol is CommandResult command ? command.Children.OfType<OptionResult>() : [])
            {
                if (option.Tokens.FirstOrDefault(token => flags.Contains(token.Value.Split('=', 2)[0])) is { } flag)
                {
                    return $"{option.Option.Name} has no value: the word after it, '{flag.Value}', is an option";
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The first word a command's argument took that reads as an option (<c>--galery</c>, not <c>-0.5</c>, nor a word
    /// after <c>--</c>), or null: System.CommandLine gives a word that no option claims to a free argument, so a
    /// misspelt option would pass for a folder or a photo.
    /// </summary>
    public static string? OptionTakenAsArgument(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var taken = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        for (SymbolResult? symbol = result.CommandResult; symbol is not null; symbol = symbol.Parent)
        {
            if (symbol is CommandResult command)
            {
                taken.UnionWith(command.Children.OfType<ArgumentResult>().SelectMany(argument => argument.Tokens));
            }
        }
        return result.Tokens.TakeWhile(token => token.Type != TokenType.DoubleDash)
            .FirstOrDefault(token => taken.Contains(token) && ReadsAsOption(token.Value))?.Value;
    }

    private static bool ReadsAsOption(string word) =>
        word.Length > 1 && word[0] == '-' && !double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>A usage error as every FedFace program prints it: "fedface enroll: PROBLEM (see fedface enroll --help)".</summary>
    public static string Line(string where, string problem) => $"{where}: {problem} (see {where} --help)";

    /// <summary>An <see cref="ArgumentException"/>'s message as an operator reads it: without " (Parameter 'name')".</summary>
    public static string MessageOf(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.ParamName is { } name ? exception.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : exception.Message;
    }

    /// <summary>
    /// Whether the option a misspelt <paramref name="typed"/> (<c>--galery</c>) probably meant takes a value, so that the
    /// word after it is that value rather than an argument: false for a flag (<c>--jsno</c> for --json: a value is optional
    /// there, and is rarely given); true when no option is near, as an unknown option usually comes with its value.
    /// </summary>
    public static bool MeantOptionTakesValue(Command command, string typed)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(typed);
        Option[] options = [.. KnownOptions(command)];
        string? meant = Suggestions.Closest(typed.Split('=', 2)[0], options.SelectMany(FlagsOf));
        return options.FirstOrDefault(option => FlagsOf(option).Contains(meant)) is not { } option || option.Arity.MinimumNumberOfValues > 0;
    }

    /// <summary>The flags valid at <paramref name="command"/>: its own and its ancestors' recursive ones.</summary>
    private static IEnumerable<string> KnownFlags(Command command) => KnownOptions(command).SelectMany(FlagsOf);

    private static IEnumerable<Option> KnownOptions(Command command)
    {
        IEnumerable<Option> options = command.Options;
        for (Command? parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options = options.Concat(parent.Options.Where(option => option.Recursive));
        }
        return options;
    }

    private static IEnumerable<string> FlagsOf(Option option) => option.Aliases.Prepend(option.Name).Where(name => name.StartsWith("--", StringComparison.Ordinal));

    private static string Flatten(string message) =>
        Plain(string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.'));

    /// <summary>The parser's "as expected type 'System.Int32'" said as an operator reads it: "--seed: 'x' is not a whole number".</summary>
    private static string Plain(string message)
    {
        Match typed = Regex.Match(message, @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'$");
        if (!typed.Success)
        {
            return message;
        }
        string kind = typed.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "a whole number",
            "System.Double" or "System.Single" or "System.Nullable`1[System.Double]" or "System.Nullable`1[System.Single]" => "a number",
            "System.Boolean" => "true or false",
            var other => $"a {other}",
        };
        return $"{typed.Groups["option"].Value}: '{typed.Groups["value"].Value}' is not {kind}";
    }
}
