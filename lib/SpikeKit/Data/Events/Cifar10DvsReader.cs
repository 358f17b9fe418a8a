using System.Buffers.Binary;

namespace SpikeKit.Data.Events;

/// <summary>
/// Reads one CIFAR10-DVS recording (Li et al., Frontiers in Neuroscience 2017; jAER AEDAT 2.0 layout, DVS128 sensor 128×128).
/// </summary>
/// <remarks>
/// <para>Format: ASCII header lines that each start with <c>#</c> (the first one <c>#!AER-DAT</c>…, e.g.
/// <c>#!AER-DAT2.0</c>), then the body: big-endian <c>uint32</c> pairs <c>(address, timestamp_us)</c>, 8 bytes per event.
/// The address is decoded with the DVS128 layout: <c>x = (a &amp; 0x00FE) &gt;&gt; 1</c>, <c>y = (a &amp; 0x7F00) &gt;&gt; 8</c>,
/// <c>p = a &amp; 1</c>; bits outside these masks are ignored, as SpikingJelly ignores them.</para>
/// <para>Coordinate transform: like SpikingJelly's <c>CIFAR10DVS</c> (<c>spikingjelly/datasets/cifar10_dvs.py</c>) the events
/// are returned as <c>x' = 127 − y</c>, <c>y' = 127 − x</c>, <c>p' = 1 − p</c> (a transpose plus flips, so that frames look
/// upright). Older code returned <c>x' = 127 − x, y' = y</c>, so frames made by other tools may differ from ours by a transpose.</para>
/// <para>Malformed files raise <see cref="DataFormatException"/> with one line naming the file and the byte offset: a first line
/// that is not <c>#!AER-DAT</c>…, a header line without its end, a body whose length is not a multiple of 8 (an odd number
/// of 32-bit words, or a word cut short).</para>
/// </remarks>
public static class Cifar10DvsReader
{
    /// <summary>Sensor side (DVS128).</summary>
    public const int SensorSize = 128;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is malformed (one line with the byte offset).</exception>
    public static EventRecording Read(string path) => Read(path, File.ReadAllBytes(path));

    /// <summary>Decodes the bytes of a file; <paramref name="path"/> only names it in errors.</summary>
    public static EventRecording Read(string path, ReadOnlySpan<byte> bytes)
    {
        int body = AedatHeader.Skip(path, bytes, "#!AER-DAT", endLine: null);
        int length = bytes.Length - body;
        if (length % 8 != 0)
            throw new DataFormatException(path, $"body of {length} bytes is not a whole number of 8-byte (address, timestamp) pairs: {length % 8} bytes left over at byte {body + length - length % 8}");
        var events = new Event[length / 8];
        for (int i = 0; i < events.Length; i++)
        {
            var at = bytes.Slice(body + 8 * i, 8);
            uint a = BinaryPrimitives.ReadUInt32BigEndian(at);
            uint t = BinaryPrimitives.ReadUInt32BigEndian(at[4..]);
            int x = (int)((a & 0x00FE) >> 1), y = (int)((a & 0x7F00) >> 8), p = (int)(a & 1);
            events[i] = new Event(t, SensorSize - 1 - y, SensorSize - 1 - x, 1 - p);
        }
        return new EventRecording(events, SensorSize, SensorSize);
    }
}

/// <summary>The ASCII header of AEDAT files: lines starting with <c>#</c>.</summary>
internal static class AedatHeader
{
    /// <summary>
    /// Offset of the first body byte. The file must start with <paramref name="magic"/>; header lines start with <c>#</c> and
    /// end with <c>\n</c>. With <paramref name="endLine"/> the header ends after that line (AEDAT 3.1: <c>#!END-HEADER</c>);
    /// without it, at the first line that does not start with <c>#</c>.
    /// </summary>
    public static int Skip(string path, ReadOnlySpan<byte> bytes, string magic, string? endLine)
    {
        var m = System.Text.Encoding.ASCII.GetBytes(magic);
        if (bytes.Length < m.Length || !bytes[..m.Length].SequenceEqual(m))
            throw new DataFormatException(path, $"bad header: does not start with '{magic}' at byte 0");
        int pos = 0;
        var end = endLine is null ? null : System.Text.Encoding.ASCII.GetBytes(endLine);
        while (pos < bytes.Length && bytes[pos] == (byte)'#')
        {
            int nl = bytes[pos..].IndexOf((byte)'\n');
            if (nl < 0) throw new DataFormatException(path, $"bad header: header line without an end of line at byte {pos}");
            var line = bytes.Slice(pos, nl).TrimEnd((byte)'\r');
            pos += nl + 1;
            if (end is not null && line.SequenceEqual(end)) return pos;
        }
        if (end is not null) throw new DataFormatException(path, $"bad header: no '{endLine}' line before the body at byte {pos}");
        return pos;
    }
}
