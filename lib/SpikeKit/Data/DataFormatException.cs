namespace SpikeKit.Data;

/// <summary>
/// A data file that exists but cannot be used: wrong magic number, truncated, wrong size, labels out of range,
/// or counts that disagree. The message is one line, <c>"&lt;path&gt;: &lt;problem&gt;"</c>.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>; line breaks in <paramref name="problem"/> become spaces.</summary>
    /// <param name="path">The offending file (as given, or as resolved when a <c>.gz</c> variant was used).</param>
    /// <param name="problem">What is wrong with it, in a few words.</param>
    public DataFormatException(string path, string problem)
        : base($"{path}: {OneLine(problem)}")
    {
        Path = path;
    }

    /// <summary>The offending file.</summary>
    public string Path { get; }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
