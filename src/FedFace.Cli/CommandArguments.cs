using System.Globalization;
using FedFace.CommandLine;

namespace FedFace.Cli;

/// <summary>
/// A command's arguments: positionals and <c>--name value</c> / <c>--name=value</c> options. Commands
/// take what they know, then call <see cref="EnsureAllUsed"/> so a misspelt option is an error, not ignored.
/// </summary>
public sealed class CommandArguments
{
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    // Every option a command asked for, given or not: what a misspelt one is compared with.
    private readonly List<string> _asked = [];

    public CommandArguments(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        List<string> list = [.. args];
        for (int i = 0; i < list.Count; i++)
        {
            string arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                _positionals.Add(arg);
                continue;
            }
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals > 0 ? arg[2..equals] : arg[2..];
            // A value follows unless the next word is another option; flags therefore have no value.
            string? value = equals > 0 ? arg[(equals + 1)..]
                : i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            if (!_options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} given twice");
            }
        }
    }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>The value of <c>--name</c>, or null when absent.</summary>
    public string? Option(string name)
    {
        _asked.Add("--" + name);
        if (!_options.Remove(name, out string? value))
        {
            return null;
        }
        return value ?? throw new UsageException($"--{name} needs a value");
    }

    /// <summary>Whether the flag <c>--name</c> was given (a flag takes no value).</summary>
    public bool Flag(string name)
    {
        _asked.Add("--" + name);
        if (!_options.Remove(name, out string? value))
        {
            return false;
        }
        if (value is not null)
        {
            // The word after a flag is a positional, not its value.
            _positionals.Add(value);
        }
        return true;
    }

    public int? IntOption(string name, int min, int max)
    {
        string? text = Option(name);
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min} to {max}, got '{text}'");
    }

    public float? FloatOption(string name, float min, float max)
    {
        string? text = Option(name);
        if (text is null)
        {
            return null;
        }
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a number from {min} to {max}, got '{text}'");
    }

    /// <summary>Parses an option with <paramref name="parse"/>, turning its <see cref="ArgumentException"/> into a usage error.</summary>
    public T? ParsedOption<T>(string name, Func<string, T> parse) where T : class
    {
        string? text = Option(name);
        return text is null ? null : Parse(name, text, parse);
    }

    /// <summary><see cref="ParsedOption{T}"/> for enums and other value types.</summary>
    public T? ParsedValueOption<T>(string name, Func<string, T> parse) where T : struct
    {
        string? text = Option(name);
        return text is null ? null : Parse(name, text, parse);
    }

    private static T Parse<T>(string name, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--{name}: {(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal))}");
        }
    }

    /// <summary>Fails on options nobody took and on more positionals than <paramref name="expectedPositionals"/>.</summary>
    public void EnsureAllUsed(int expectedPositionals)
    {
        if (_options.Count > 0)
        {
            throw new UsageException($"unknown option{(_options.Count > 1 ? "s" : "")} "
                + string.Join(", ", _options.Keys.Select(k => "--" + k + Suggestions.Hint("--" + k, _asked))));
        }
        if (_positionals.Count > expectedPositionals)
        {
            throw new UsageException($"unexpected argument '{_positionals[expectedPositionals]}'");
        }
    }
}
