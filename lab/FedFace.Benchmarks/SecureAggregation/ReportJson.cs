using System.Text.Json;
using System.Text.Json.Serialization;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>How the secure-aggregation reports are written: snake_case names, indented, readable ± and '.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people: keep ± and ' readable
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
