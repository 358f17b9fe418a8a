namespace SpikeKit.Config;

/// <summary>A configuration value is invalid; <see cref="Field"/> names it (an option, a JSON path or a record field).</summary>
public sealed class ConfigException(string field, string problem) : Exception($"{field}: {problem}")
{
    /// <summary>The offending field.</summary>
    public string Field { get; } = field;
}
