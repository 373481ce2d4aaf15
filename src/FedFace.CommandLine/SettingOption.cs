using System.CommandLine;
using System.CommandLine.Parsing;
using System.ComponentModel;
using FedFace.CommandLine.Settings;

namespace FedFace.CommandLine;

/// <summary>
/// One setting as a flag: a kebab-case name (the settings key itself, <c>--Aggregator:MinSites</c>, is read as it, see
/// <see cref="ProgramCommandLine"/>), the doc comment and default as its help, and a value checked at parse time against
/// the property's type.
/// </summary>
public sealed class SettingOption
{
    private SettingOption(SettingRow setting, Option option)
    {
        Setting = setting;
        Option = option;
    }

    public SettingRow Setting { get; }
    public Option Option { get; }

    /// <summary>The settings key as a flag, <c>--Aggregator:MinSites</c>: the form configuration's own command line takes.</summary>
    public string KeyFlag => "--" + Setting.Key;

    /// <summary>The flags of every setting in <paramref name="sections"/>; keys are named relative to <paramref name="sectionKey"/> ("" at the root) unless <paramref name="flagOfKey"/> names them.</summary>
    public static IReadOnlyList<SettingOption> For(IEnumerable<SettingsSection> sections, string sectionKey, IReadOnlyDictionary<string, string>? flagOfKey = null)
    {
        ArgumentNullException.ThrowIfNull(sections);
        string prefix = sectionKey.Length == 0 ? "" : sectionKey + ":";
        return [.. sections.SelectMany(section => section.Rows).Select(row =>
        {
            string name = flagOfKey?.GetValueOrDefault(row.Key) ?? FlagNames.Of(row.Key[prefix.Length..]);
            return Create(row, name);
        })];
    }

    private static SettingOption Create(SettingRow row, string name)
    {
        Type type = Nullable.GetUnderlyingType(row.Type) ?? row.Type;
        Option option = type == typeof(bool)
            ? new Option<bool>(name)
            : new Option<string>(name) { HelpName = HelpName(row) };
        option.Description = Describe(row);
        if (type != typeof(bool) && type != typeof(string))
        {
            option.Validators.Add(result => CheckConvertible(result, type, row));
        }
        return new SettingOption(row, option);
    }

    private static string HelpName(SettingRow row) => row.Values.Replace(" \\| ", "|", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);

    private static string Describe(SettingRow row)
    {
        string meaning = row.Description.Replace("`", "", StringComparison.Ordinal);
        string byDefault = $"[default: {row.Default.Replace("`", "", StringComparison.Ordinal)}]";
        return meaning.Length == 0 ? byDefault : $"{meaning} {byDefault}";
    }

    /// <summary>The same conversion configuration binding applies later: refused here, it is a usage error naming the flag.</summary>
    private static void CheckConvertible(OptionResult result, Type type, SettingRow row)
    {
        if (result.Tokens is not [{ Value: var text }])
        {
            return;
        }
        bool converts;
        try
        {
            converts = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text) is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            converts = false;
        }
        if (!converts)
        {
            string values = HelpName(row).Replace(", or unset", "", StringComparison.Ordinal);
            result.AddError($"{result.IdentifierToken?.Value} ({row.Key}): '{text}' is not {Article(values)}");
        }
    }

    private static string Article(string values) => values.Contains('|', StringComparison.Ordinal) ? $"one of {values}" : $"a valid {values}";

    /// <summary>
    /// The value given on <paramref name="result"/>'s command line, as configuration takes it, or null when the flag was
    /// not given. A relative path is made absolute here: typed at a shell, it means the working directory.
    /// </summary>
    public string? GivenValue(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.GetResult(Option) is not { Implicit: false } given)
        {
            return null;
        }
        string? value = Option is Option<bool> flag ? (given.GetValueOrDefault<bool>() ? "true" : "false") : given.GetValueOrDefault<string>();
        return value is { Length: > 0 } && SettingsPaths.IsPathKey(Setting.Key) ? Path.GetFullPath(value) : value;
    }
}
