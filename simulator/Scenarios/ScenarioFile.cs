using System.Globalization;
using System.Text.Json;
using FedFace.CommandLine;
using FedFace.CommandLine.Settings;
using Microsoft.Extensions.Configuration;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// Reads a scenario file: a JSON object of simulator settings (nested sections or "Section:Key" names, as --config takes
/// them) plus <c>name</c>, <c>description</c> and <c>variants</c> (each an object with a <c>label</c> and the settings it
/// overrides). A key no setting binds, a malformed file or a variant without a label is refused, naming the file.
/// </summary>
public static class ScenarioFile
{
    private const string NameKey = "name", DescriptionKey = "description", VariantsKey = "variants", LabelKey = "label";

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <param name="known">The settings a key must belong to (the simulator's).</param>
    /// <exception cref="InvalidDataException">The file is not a scenario.</exception>
    /// <exception cref="UnknownSettingsException">A key is not a setting.</exception>
    public static Scenario Read(string path, IReadOnlyList<SettingsSection> known)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new InvalidDataException($"the scenario file {fullPath} does not exist");
        }
        string folder = Path.GetDirectoryName(fullPath)!;
        using JsonDocument document = Parse(fullPath);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{fullPath}: a scenario is a JSON object, found {document.RootElement.ValueKind}");
        }
        string name = Text(document.RootElement, NameKey, fullPath, "the scenario")
            ?? throw new InvalidDataException($"{fullPath}: the scenario has no \"{NameKey}\"");
        string description = Text(document.RootElement, DescriptionKey, fullPath, "the scenario") ?? "";
        KeyValuePair<string, string?>[] settings = Settings(document.RootElement, folder, [NameKey, DescriptionKey, VariantsKey], fullPath);
        Refuse(settings, known, fullPath);
        var variants = new List<ScenarioVariant>();
        if (Property(document.RootElement, VariantsKey) is { } list)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{fullPath}: \"{VariantsKey}\" must be a list of objects, each with a \"{LabelKey}\"");
            }
            foreach ((JsonElement variant, int index) in list.EnumerateArray().Select((v, i) => (v, i)))
            {
                string where = $"variant {index + 1}";
                if (variant.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{fullPath}: {where} must be an object with a \"{LabelKey}\" and the settings it overrides");
                }
                string label = Text(variant, LabelKey, fullPath, where) is { Length: > 0 } given ? given
                    : throw new InvalidDataException($"{fullPath}: {where} has no \"{LabelKey}\"");
                KeyValuePair<string, string?>[] overrides = Settings(variant, folder, [LabelKey], $"{fullPath}, variant '{label}'");
                Refuse(overrides, known, $"{fullPath}, variant '{label}'");
                variants.Add(new ScenarioVariant(label, overrides));
            }
        }
        string[] repeated = [.. variants.GroupBy(v => v.Slug).Where(g => g.Count() > 1).Select(g => $"'{g.First().Label}'")];
        if (repeated.Length > 0)
        {
            throw new InvalidDataException($"{fullPath}: variant labels must differ (as folder names too): {string.Join(", ", repeated)}");
        }
        return new Scenario(name, description, fullPath, settings, variants);
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path), Lenient);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.EnumerateObject().Where(p => p.NameEquals(name) || p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => (JsonElement?)p.Value).FirstOrDefault();

    private static string? Text(JsonElement element, string name, string file, string owner) => Property(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw new InvalidDataException($"{file}: {owner}'s \"{name}\" must be a string"),
    };

    /// <summary>The object's settings as configuration keys (arrays by index), without the scenario's own keys.</summary>
    private static KeyValuePair<string, string?>[] Settings(JsonElement element, string folder, string[] reserved, string where)
    {
        var settings = new List<KeyValuePair<string, string?>>();
        foreach (JsonProperty property in element.EnumerateObject().Where(p => !reserved.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
        {
            Flatten(property.Name, property.Value, settings);
        }
        // Configuration keys ignore case: "Rounds" and "rounds" (or a section and its full key) are the same setting.
        if (settings.GroupBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1) is { } twice)
        {
            throw new InvalidDataException($"{where}: '{twice.Key}' is given twice");
        }
        return [.. settings.Select(pair => KeyValuePair.Create(pair.Key, FromFolder(pair.Key, pair.Value, folder)))];
    }

    private static void Flatten(string key, JsonElement value, List<KeyValuePair<string, string?>> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    Flatten($"{key}:{property.Name}", property.Value, into);
                }
                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Flatten($"{key}:{index++.ToString(CultureInfo.InvariantCulture)}", item, into);
                }
                break;
            case JsonValueKind.String:
                into.Add(KeyValuePair.Create(key, value.GetString()));
                break;
            case JsonValueKind.Null:
                into.Add(KeyValuePair.Create(key, (string?)null));
                break;
            default:
                into.Add(KeyValuePair.Create(key, (string?)value.GetRawText()));
                break;
        }
    }

    /// <summary>A relative path setting (…Path, …Directory) is the file's folder's, as --config takes it.</summary>
    private static string? FromFolder(string key, string? value, string folder) =>
        SettingsPaths.IsPathKey(key.Split(':')[^1]) && value is { Length: > 0 } && !Path.IsPathRooted(value) ? Path.GetFullPath(value, folder) : value;

    private static void Refuse(IReadOnlyList<KeyValuePair<string, string?>> settings, IReadOnlyList<SettingsSection> known, string where)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        if (UnknownSettings.Problem(UnknownSettings.In(configuration, "", known), known) is { } problem)
        {
            throw new UnknownSettingsException($"{where}: {problem}");
        }
    }
}
