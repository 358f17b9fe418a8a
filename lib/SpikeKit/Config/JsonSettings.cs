using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpikeKit.Config;

/// <summary>The JSON settings of every file the kit writes and reads (summary.json, sweep.json, checkpoint headers, specs):
/// camelCase names, indented, NaN allowed, enums as camelCase strings.</summary>
public static class JsonSettings
{
    /// <summary>The settings.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
