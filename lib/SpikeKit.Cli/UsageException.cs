namespace SpikeKit.Cli;

/// <summary>A malformed command line (unknown verb or option, missing value); the message is the whole line after <c>spikekit: </c>.</summary>
sealed class UsageException(string message) : Exception(message);
