using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpikeKit.Config;

/// <summary>The JSON settings of every file the kit writes and reads (summary.json, sweep.json, checkpoint headers, specs):
/// camelCase names, indented, NaN allowed, enums as camelCase strings. The reflection-based resolver is named explicitly, so
/// the kit also works in applications that turn reflection-based serialization off by default (.NET 10 file-based apps,
/// <c>dotnet run app.cs</c>, do).</summary>
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
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}
