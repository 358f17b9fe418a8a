using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>File lookup, gzip-by-content opening and label checks shared by the readers.</summary>
internal static class DataFiles
{
    /// <summary>
    /// Returns <paramref name="path"/> if it exists, else <c>path + ".gz"</c>, else <paramref name="path"/> without its
    /// <c>.gz</c>; otherwise throws a one-line <see cref="FileNotFoundException"/> naming the path (and <paramref name="hint"/>).
    /// </summary>
    public static string Resolve(string path, string? hint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path)) return path;
        string alternative = path.EndsWith(".gz", StringComparison.Ordinal) ? path[..^3] : path + ".gz";
        if (File.Exists(alternative)) return alternative;
        string message = $"{path}: not found (nor {System.IO.Path.GetFileName(alternative)})";
        if (!string.IsNullOrEmpty(hint)) message += "; " + hint;
        throw new FileNotFoundException(message, path);
    }

    /// <summary>Opens a file for sequential reading, decompressing it when its first two bytes are the gzip magic 1f 8b.</summary>
    public static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads up to <c>buffer.Length</c> bytes; returns how many were read. Corrupt gzip data becomes a <see cref="DataFormatException"/>.</summary>
    public static int Read(Stream stream, Span<byte> buffer, string path)
    {
        try { return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
        catch (InvalidDataException e) { throw new DataFormatException(path, $"corrupt gzip data ({e.Message})"); }
    }

    /// <summary>True when the stream has at least one more byte.</summary>
    public static bool HasMore(Stream stream, string path)
    {
        Span<byte> one = stackalloc byte[1];
        return Read(stream, one, path) == 1;
    }

    /// <summary>The whole (decompressed) content of a file.</summary>
    public static byte[] ReadAll(string path)
    {
        using var stream = Open(path);
        if (stream is FileStream file) return ReadRaw(file, path);
        using var memory = new MemoryStream();
        try { stream.CopyTo(memory, 1 << 20); }
        catch (InvalidDataException e) { throw new DataFormatException(path, $"corrupt gzip data ({e.Message})"); }
        return memory.ToArray();
    }

    static byte[] ReadRaw(FileStream file, string path)
    {
        long length = file.Length;
        if (length > Array.MaxLength) throw new DataFormatException(path, $"file of {length} bytes is too large to load");
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Throws a <see cref="DataFormatException"/> naming the first entry of <paramref name="labels"/> outside <c>[0, classes)</c>:
    /// <c>"&lt;path&gt;: &lt;item&gt; 5 has &lt;label&gt; 11, outside [0, 10)"</c>.
    /// </summary>
    public static void EnsureLabelsInRange(Tensor labels, int classes, string path, string item = "item", string label = "label")
    {
        if (FirstOutOfRange(labels, classes) is var (index, value))
            throw new DataFormatException(path, $"{item} {index} has {label} {value}, outside [0, {classes})");
    }

    /// <summary>Index and value of the first entry of an integer tensor outside <c>[0, classes)</c>, or null.</summary>
    public static (long Index, long Value)? FirstOutOfRange(Tensor labels, int classes)
    {
        if (labels.numel() == 0) return null;
        using var scope = NewDisposeScope();
        var bad = labels.lt(0).logical_or_(labels.ge(classes));
        if (!bad.any().item<bool>()) return null;
        long index = bad.to_type(ScalarType.Int64).argmax().item<long>();
        return (index, labels[index].to_type(ScalarType.Int64).item<long>());
    }
}
