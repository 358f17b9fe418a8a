namespace SpikeKit.Cli;

/// <summary>A malformed command line (unknown verb or option, missing value).</summary>
sealed class UsageException(string message) : Exception(message);
