using System.Text.Json;
using System.Text.Json.Serialization;
using FedFace.Core.Storage;

namespace FedFace.Cli;

/// <summary>How every command writes JSON: indented, enums by name, nulls left out, ±∞ thresholds as "Infinity".</summary>
public static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A threshold that accepts every impostor is −∞ (FarThreshold); strict JSON has no way to say so.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically, creating its folder.</summary>
    public static void WriteFile<T>(string path, T value) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, value, Options));
}
