using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace FedFace.CommandLine;

/// <summary>
/// Options whose values are checked as they are parsed, so a wrong one is a usage error naming the flag and what it
/// takes: a number in a range, or a word a domain parser reads (its <see cref="ArgumentException"/> is the reason).
/// </summary>
public static class CheckedOptions
{
    /// <summary>
    /// <c>--name N</c>, a number from <paramref name="min"/> to <paramref name="max"/> (a whole one for an integer type),
    /// null when not given; the type's largest value as <paramref name="max"/> means no upper bound.
    /// </summary>
    public static Option<T?> Number<T>(string name, T min, T max, string helpName, string description) where T : struct, INumber<T>, IMinMaxValue<T> =>
        new(name) { HelpName = helpName, Description = description, CustomParser = result => ParseNumber(result, name, min, max) };

    /// <summary><see cref="Number{T}(string, T, T, string, string)"/> that is <paramref name="defaultValue"/> when not given (its --help says so).</summary>
    public static Option<T> Number<T>(string name, T min, T max, T defaultValue, string helpName, string description) where T : struct, INumber<T>, IMinMaxValue<T> =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => ParseNumber(result, name, min, max) ?? defaultValue,
        };

    /// <summary>
    /// <c>--name WORD</c> read by <paramref name="parse"/>, whose <see cref="ArgumentException"/> is the usage error
    /// ("--policy: unknown face policy 'tallest'; use largest or central"). For a value type, parse to its nullable
    /// type (<c>text =&gt; (Kind?)Parse(text)</c>) so that not given reads as null.
    /// </summary>
    public static Option<T?> Parsed<T>(string name, Func<string, T> parse, string helpName, string description)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new Option<T?>(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
            {
                if (Single(result) is not { } text)
                {
                    return default;
                }
                try
                {
                    return parse(text);
                }
                catch (ArgumentException e)
                {
                    result.AddError($"{name}: {ParseProblems.MessageOf(e)}");
                    return default;
                }
            },
        };
    }

    private static T? ParseNumber<T>(ArgumentResult result, string name, T min, T max) where T : struct, INumber<T>, IMinMaxValue<T>
    {
        if (Single(result) is not { } text)
        {
            return null;
        }
        bool whole = typeof(T).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IBinaryInteger<>));
        if (T.TryParse(text, whole ? NumberStyles.Integer : NumberStyles.Float, CultureInfo.InvariantCulture, out T value) && value >= min && value <= max)
        {
            return value;
        }
        result.AddError(string.Create(CultureInfo.InvariantCulture,
            $"{name} must be {(whole ? "a whole number" : "a number")} {(max == T.MaxValue ? $"of at least {min}" : $"from {min} to {max}")}, got '{text}'"));
        return null;
    }

    /// <summary>The one word given, or null when the option is absent (its default is being asked for).</summary>
    private static string? Single(ArgumentResult result) => result.Tokens is [{ Value: var text }] ? text : null;
}
