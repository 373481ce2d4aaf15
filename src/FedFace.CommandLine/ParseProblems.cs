using System.CommandLine;
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

    /// <summary>Every error in one line: an unknown word with the flag or command it probably meant, then the parser's own messages.</summary>
    public static string OneLine(ParseResult result, IEnumerable<string>? moreFlags = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        Command command = result.CommandResult.Command;
        string[] flags = [.. KnownFlags(command), .. moreFlags ?? []];
        string[] commands = [.. command.Subcommands.Select(sub => sub.Name)];
        var unknown = new List<string>();
        for (int i = 0; i < result.UnmatchedTokens.Count; i++)
        {
            string token = result.UnmatchedTokens[i];
            if (token.StartsWith('-'))
            {
                unknown.Add($"unknown option '{token}'{Suggestions.Hint(token, flags)}");
                // The word after an unknown option is taken as its value, not reported as a second problem.
                if (i + 1 < result.UnmatchedTokens.Count && !result.UnmatchedTokens[i + 1].StartsWith('-'))
                {
                    i++;
                }
            }
            else
            {
                unknown.Add($"unexpected argument '{token}'{Suggestions.Hint(token, commands)}");
            }
        }
        IEnumerable<string> others = result.Errors.Select(e => e.Message)
            .Where(message => !result.UnmatchedTokens.Any(token => message.Contains($"'{token}'", StringComparison.Ordinal)));
        return string.Join("; ", unknown.Concat(others).Select(Flatten).Distinct());
    }

    /// <summary>The flags valid at <paramref name="command"/>: its own and its ancestors' recursive ones.</summary>
    private static IEnumerable<string> KnownFlags(Command command)
    {
        IEnumerable<Option> options = command.Options;
        for (Command? parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            options = options.Concat(parent.Options.Where(option => option.Recursive));
        }
        return options.SelectMany(option => option.Aliases.Prepend(option.Name)).Where(name => name.StartsWith("--", StringComparison.Ordinal));
    }

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
