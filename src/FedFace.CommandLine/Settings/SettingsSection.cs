using System.Globalization;
using System.Reflection;

namespace FedFace.CommandLine.Settings;

/// <summary>
/// One bindable setting: its full configuration key, the values it takes, its default and what it means, and the
/// property's type (what a value given for it must convert to).
/// </summary>
public sealed record SettingRow(string Key, string Values, string Default, string Description, Type Type);

/// <summary>
/// A settings class as configuration binds it: its settable properties with the defaults of a fresh instance, and its
/// nested settings classes as sections of their own (keys joined with ':').
/// </summary>
public sealed record SettingsSection(string Key, string? Description, bool AbsentByDefault, IReadOnlyList<SettingRow> Rows)
{
    /// <summary>
    /// The section of <paramref name="type"/> at <paramref name="key"/> ("" at the configuration's root), then its nested
    /// ones. Defaults are a fresh instance's; <paramref name="shipped"/>, when given, is the instance the shipped
    /// appsettings.json binds, and a value it changes is shown next to the default.
    /// </summary>
    public static IReadOnlyList<SettingsSection> Of(Type type, string key, object? shipped = null) =>
        Of(type, key, XmlDocumentation.Summary(type), absentByDefault: false, defaults: null, shipped);

    private static IReadOnlyList<SettingsSection> Of(Type type, string key, string? description, bool absentByDefault, object? defaults, object? shipped)
    {
        defaults ??= Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"{type.Name} has no parameterless constructor to take defaults from");
        var rows = new List<SettingRow>();
        var nested = new List<SettingsSection>();
        foreach (PropertyInfo property in Bindable(type))
        {
            string propertyKey = key.Length == 0 ? property.Name : $"{key}:{property.Name}";
            string? meaning = XmlDocumentation.Summary(property);
            object? value = property.GetValue(defaults);
            object? shippedValue = shipped is null ? null : property.GetValue(shipped);
            if (IsSection(property.PropertyType))
            {
                nested.AddRange(Of(property.PropertyType, propertyKey, meaning ?? XmlDocumentation.Summary(property.PropertyType),
                    absentByDefault: value is null, value, shippedValue));
            }
            else
            {
                string byDefault = Format(value);
                if (shipped is not null && Format(shippedValue) is var configured && configured != byDefault)
                {
                    byDefault += $" (appsettings.json: {configured})";
                }
                rows.Add(new SettingRow(propertyKey, Values(property.PropertyType), byDefault, meaning ?? "", property.PropertyType));
            }
        }
        return [new SettingsSection(key, description, absentByDefault, rows), .. nested];
    }

    /// <summary>What configuration binding sets: public instance properties with a public setter, in declaration order.</summary>
    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetSetMethod() is not null && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken);

    /// <summary>A nested settings class; a list or dictionary is one setting (its items bind below its key), not a section.</summary>
    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
        && type.GetConstructor(Type.EmptyTypes) is not null && Bindable(type).Any();

    private static string Values(Type type)
    {
        Type? underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Values(underlying) + ", or unset";
        }
        if (type.IsEnum)
        {
            // A wire enum's zero value (proto3's "Unspecified") means "not set"; the settings' checks refuse it.
            return string.Join(" \\| ", Enum.GetNames(type).Where(name => name != "Unspecified").Select(name => $"`{name}`"));
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true \\| false",
            TypeCode.Int32 or TypeCode.Int64 or TypeCode.Int16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.UInt16 or TypeCode.Byte => "integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "number",
            TypeCode.String => "text",
            _ => type.Name,
        };
    }

    private static string Format(object? value) => value switch
    {
        null => "unset",
        bool flag => flag ? "true" : "false",
        string { Length: 0 } => "empty",
        string text => $"`{text}`",
        IFormattable number => $"`{number.ToString(null, CultureInfo.InvariantCulture)}`",
        _ => $"`{value}`",
    };
}
