namespace SpikeKit.Tests;

/// <summary>A test class with its own temporary folder, <see cref="Dir"/>, deleted with everything in it afterwards.</summary>
/// <param name="prefix">Prefix of the folder's name under the system's temp folder.</param>
public abstract class TempFolderTests(string prefix) : IDisposable
{
    /// <summary>The folder.</summary>
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <inheritdoc />
    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
