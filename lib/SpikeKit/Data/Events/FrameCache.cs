using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data.Events;

/// <summary>
/// Framed event data sets on disk, so that framing (expensive next to training a small model) runs once per
/// (data set, split, split rule, T, framing mode, frame size, limits, seed), as SpikingJelly's <c>frames_number_10_split_by_number/</c>
/// folders. Each entry records a fingerprint of its sources (every source file's relative path, length and modification time);
/// an entry whose fingerprint differs, or that cannot be read whole, is rebuilt.
/// </summary>
/// <remarks>
/// <para>File <c>DIR/&lt;data set&gt;/&lt;split&gt;-T&lt;T&gt;-&lt;mode&gt;-&lt;size&gt;-&lt;hash&gt;.frames</c>: the line <c>SPIKEKIT-FRAMES 1</c>, one
/// line of JSON (key, fingerprint, N, T, H, W, classes, sensor, split rule), then little-endian int64 labels [N], int64 event
/// counts [N] and float32 frames [N, T, 2, H, W]. &lt;hash&gt; is the first 12 hex digits of the key's SHA-256.</para>
/// <para>Entries are written through <paramref name="writeAtomically"/> (pass <c>SpikeKit.Runs.AtomicFile.Write</c>: temp file,
/// then rename), so a killed build leaves no half-written entry.</para>
/// </remarks>
/// <param name="directory">Root folder of the cache.</param>
/// <param name="writeAtomically">Writes a file whole or not at all: (path, write the stream).</param>
public sealed class FrameCache(string directory, Action<string, Action<Stream>> writeAtomically)
{
    const string Magic = "SPIKEKIT-FRAMES 1";

    /// <summary>Root folder of the cache.</summary>
    public string Directory { get; } = directory ?? throw new ArgumentNullException(nameof(directory));

    /// <summary>The file of an entry.</summary>
    internal string PathOf(string dataset, string readableKey, string key) =>
        System.IO.Path.Combine(Directory, dataset, $"{readableKey}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12]}.frames");

    /// <summary>The cached entry when it exists with this key and fingerprint; otherwise <paramref name="build"/>'s result,
    /// written to the cache first.</summary>
    /// <param name="dataset">Data set name (the entry's folder).</param>
    /// <param name="readableKey">The readable start of the file name, e.g. <c>train-T10-number-48</c>.</param>
    /// <param name="key">Every setting the frames depend on.</param>
    /// <param name="fingerprint">Fingerprint of the source files.</param>
    /// <param name="build">Frames the data set when the entry is missing or stale.</param>
    /// <param name="log">Where "building"/"stale" notes go (null: nowhere).</param>
    internal EventDataset GetOrBuild(string dataset, string readableKey, string key, string fingerprint, Func<EventDataset> build, TextWriter? log)
    {
        var path = PathOf(dataset, readableKey, key);
        if (File.Exists(path))
        {
            var (loaded, why) = TryLoad(path, key, fingerprint);
            if (loaded is not null) return loaded;
            log?.WriteLine($"{path}: {why}; framing again");
        }
        var data = build();
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        writeAtomically(path, s => Write(s, data, key, fingerprint));
        return data;
    }

    sealed record Header(string Key, string Fingerprint, string Name, int N, int T, int H, int W, int Classes, int SensorWidth, int SensorHeight, string Split);

    static void Write(Stream s, EventDataset d, string key, string fingerprint)
    {
        var header = new Header(key, fingerprint, d.Name, d.Count, d.TimeSteps, d.Height, d.Width, d.Classes, d.SensorWidth, d.SensorHeight, d.Split);
        s.Write(Encoding.UTF8.GetBytes(Magic + "\n" + JsonSerializer.Serialize(header) + "\n"));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("frame cache: big-endian hosts");
        s.Write(MemoryMarshal.AsBytes(d.Labels.data<long>().ToArray().AsSpan()));
        s.Write(MemoryMarshal.AsBytes(d.EventCounts.AsSpan()));
        using var contiguous = d.Frames.contiguous();
        s.Write(MemoryMarshal.AsBytes(contiguous.data<float>().ToArray().AsSpan()));
    }

    /// <summary>The entry at <paramref name="path"/>, or null and why not (another key, stale, cut short, unreadable).</summary>
    static (EventDataset? Data, string Why) TryLoad(string path, string key, string fingerprint)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            if (ReadLine(s) != Magic) return (null, "not a frame cache file");
            Header? h;
            try { h = JsonSerializer.Deserialize<Header>(ReadLine(s) ?? ""); }
            catch (JsonException) { return (null, "unreadable header"); }
            if (h is null || h.Key != key) return (null, "written for other settings");
            if (h.Fingerprint != fingerprint) return (null, "stale (its source files changed)");
            long n = h.N, values = n * h.T * 2 * h.H * h.W;
            long expected = s.Position + 16 * n + 4 * values;
            if (s.Length != expected) return (null, $"cut short or too long ({s.Length} of {expected} bytes)");
            var labels = new long[n];
            var counts = new long[n];
            var frames = new float[values];
            s.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
            s.ReadExactly(MemoryMarshal.AsBytes(counts.AsSpan()));
            s.ReadExactly(MemoryMarshal.AsBytes(frames.AsSpan()));
            using var scope = NewDisposeScope();
            var data = new EventDataset(h.Name, torch.tensor(frames, new long[] { n, h.T, 2, h.H, h.W }), torch.tensor(labels), h.Classes,
                h.SensorWidth, h.SensorHeight, counts, h.Split);
            return (data, "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, e.Message.ReplaceLineEndings(" "));
        }
    }

    static string? ReadLine(Stream s)
    {
        var bytes = new List<byte>();
        for (int b; (b = s.ReadByte()) >= 0 && bytes.Count < 1 << 16;)
        {
            if (b == '\n') return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Add((byte)b);
        }
        return null;
    }
}
