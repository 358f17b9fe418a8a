namespace SpikeKit.Runs;

/// <summary>
/// Writes a file so that a reader sees either the old file or the whole new one: into <c>PATH.PID.tmp</c>, flushed to
/// disk, then renamed over <c>PATH</c>. When writing fails (a full disk, say) the temp file is deleted and the error names
/// the file that failed; nothing half-written is left. Summaries, checkpoints and sweep plans are written this way.
/// </summary>
public static class AtomicFile
{
    /// <summary>The temp file a write of <paramref name="path"/> by this process goes through.</summary>
    public static string TempPath(string path) => $"{path}.{Environment.ProcessId}.tmp";

    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>.</summary>
    /// <exception cref="IOException">Naming the file when writing or renaming fails.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var tmp = TempPath(path);
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw Naming(e, tmp);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, string text) => Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>The error, with the file named when its message does not name it yet.</summary>
    internal static IOException Naming(Exception e, string path) =>
        e.Message.Contains(path, StringComparison.Ordinal) && e is IOException io ? io : new IOException($"{path}: {e.Message}", e);
}
