using System.Security.Cryptography;

namespace SpikeKit.Runs;

/// <summary>
/// A file that ends in the SHA-256 of its content (the last 32 bytes), written atomically (<see cref="AtomicFile"/>). Checkpoints
/// and saved models are sealed so: <see cref="Open"/> checks the seal before anything is read, so a file with flipped bytes,
/// cut short, or written without a seal is refused with one line naming it, never loaded.
/// </summary>
public static class SealedFile
{
    /// <summary>Bytes of the seal.</summary>
    public const int SealBytes = 32;

    /// <summary>Writes <paramref name="content"/> (from its start) and its seal to <paramref name="path"/> atomically; returns the SHA-256 (hex).</summary>
    public static string Write(string path, MemoryStream content)
    {
        var buffer = content.GetBuffer();
        int length = (int)content.Length;
        var seal = SHA256.HashData(buffer.AsSpan(0, length));
        AtomicFile.Write(path, s => { s.Write(buffer, 0, length); s.Write(seal); });
        return Convert.ToHexStringLower(seal);
    }

    /// <summary>The content of <paramref name="path"/> without its seal, after checking the seal.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for the error ("checkpoint", "saved model").</param>
    /// <exception cref="InvalidDataException">"PATH: corrupt WHAT (…)" when the seal is missing or does not match.</exception>
    public static MemoryStream Open(string path, string what)
    {
        var (content, _) = Read(path, what);
        return content;
    }

    /// <summary>As <see cref="Open"/>, also returning the SHA-256 (hex) of the content.</summary>
    public static (MemoryStream Content, string Sha256) Read(string path, string what)
    {
        byte[] all;
        try { all = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new InvalidDataException($"{path}: no such {what}"); }
        if (all.Length < SealBytes)
            throw new InvalidDataException($"{path}: corrupt {what} ({all.Length} bytes, shorter than its checksum; truncated)");
        var body = all.AsSpan(0, all.Length - SealBytes);
        var seal = SHA256.HashData(body);
        if (!seal.AsSpan().SequenceEqual(all.AsSpan(all.Length - SealBytes)))
            throw new InvalidDataException($"{path}: corrupt {what} (SHA-256 mismatch: changed or truncated since it was written, or written without a checksum)");
        return (new MemoryStream(all, 0, all.Length - SealBytes, writable: false), Convert.ToHexStringLower(seal));
    }
}
