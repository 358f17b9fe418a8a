using System.Buffers.Binary;
using System.Globalization;

namespace SpikeKit.Data.Events;

/// <summary>
/// Reads DVS128 Gesture (Amir et al., CVPR 2017): AEDAT 3.1 recordings, their <c>*_labels.csv</c> files and the trial lists
/// <c>trials_to_train.txt</c> / <c>trials_to_test.txt</c>. 11 classes, sensor 128×128.
/// </summary>
/// <remarks>
/// <para>File: ASCII header lines starting with <c>#</c> (the first <c>#!AER-DAT3.1</c>) up to and including
/// <c>#!END-HEADER\r\n</c>, then packets. Each packet has a 28-byte little-endian header: <c>eventType</c> u16 at offset 0,
/// <c>eventSize</c> u32 at 4, <c>eventTSOverflow</c> u32 at 12, <c>eventCapacity</c> u32 at 16 (number of events), then
/// <c>capacity × eventSize</c> bytes. Polarity events (<c>eventType == 1</c>) are 8 bytes: <c>data</c> u32 then <c>ts</c> u32;
/// <c>t = ts | (overflow &lt;&lt; 31)</c>, <c>x = (data &gt;&gt; 17) &amp; 0x7FFF</c>, <c>y = (data &gt;&gt; 2) &amp; 0x7FFF</c>,
/// <c>p = (data &gt;&gt; 1) &amp; 1</c>. Packets of other types are skipped. This is the layout SpikingJelly's
/// <c>DVS128Gesture</c> reads (inivation's AEDAT 3.1 specification).</para>
/// <para>Samples: each row <c>class,startTime_usec,endTime_usec</c> of a recording's label file cuts one sample, the events with
/// <c>start ≤ t &lt; end</c>, label <c>class − 1</c> (SpikingJelly's cut; it gets 1176 train / 288 test samples).</para>
/// <para>Malformed files raise <see cref="DataFormatException"/> naming the file and byte offset: a bad header, a packet
/// header or packet body cut short, a polarity packet whose event size is not 8, an event outside the 128×128 sensor.</para>
/// </remarks>
public static class GestureReader
{
    /// <summary>Sensor side (DVS128).</summary>
    public const int SensorSize = 128;

    /// <summary>Number of classes.</summary>
    public const int Classes = 11;

    /// <summary>Reads every polarity event of one <c>.aedat</c> file.</summary>
    /// <exception cref="DataFormatException">The file is malformed (one line with the byte offset).</exception>
    public static EventRecording Read(string path) => Read(path, File.ReadAllBytes(path));

    /// <summary>Decodes the bytes of a file; <paramref name="path"/> only names it in errors.</summary>
    public static EventRecording Read(string path, ReadOnlySpan<byte> bytes)
    {
        int pos = AedatHeader.Skip(path, bytes, "#!AER-DAT3.1", "#!END-HEADER");
        var events = new List<Event>();
        while (pos < bytes.Length)
        {
            if (bytes.Length - pos < 28)
                throw new DataFormatException(path, $"truncated packet: header of {bytes.Length - pos} of 28 bytes at byte {pos}");
            var h = bytes.Slice(pos, 28);
            int type = BinaryPrimitives.ReadUInt16LittleEndian(h);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
            long overflow = BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
            uint capacity = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            long length = (long)capacity * size;
            int body = pos + 28;
            if (length > bytes.Length - body)
                throw new DataFormatException(path, $"truncated packet: {capacity} events of {size} bytes need {length} bytes, {bytes.Length - body} left at byte {body}");
            if (type == 1)
            {
                if (size != 8) throw new DataFormatException(path, $"polarity packet with event size {size} (expected 8) at byte {pos + 4}");
                for (int i = 0; i < capacity; i++)
                {
                    int at = body + 8 * i;
                    uint data = BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);
                    uint ts = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
                    int x = (int)((data >> 17) & 0x7FFF), y = (int)((data >> 2) & 0x7FFF), p = (int)((data >> 1) & 1);
                    if (x >= SensorSize || y >= SensorSize)
                        throw new DataFormatException(path, $"event at ({x}, {y}) outside the {SensorSize}x{SensorSize} sensor at byte {at}");
                    events.Add(new Event(ts | (overflow << 31), x, y, p));
                }
            }
            pos = body + (int)length;
        }
        return new EventRecording(events.ToArray(), SensorSize, SensorSize);
    }

    /// <summary>One row of a label file: 0-based class and the time window <c>[Start, End)</c> in microseconds.</summary>
    public readonly record struct LabelRow(int Label, long Start, long End);

    /// <summary>Reads a <c>*_labels.csv</c> file (header <c>class,startTime_usec,endTime_usec</c>, then one row per gesture;
    /// classes 1 to 11 become labels 0 to 10).</summary>
    /// <exception cref="DataFormatException">A row that is not three integers, a class outside 1..11, or end before start.</exception>
    public static IReadOnlyList<LabelRow> ReadLabels(string path)
    {
        var rows = new List<LabelRow>();
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || (i == 0 && line.StartsWith("class", StringComparison.OrdinalIgnoreCase))) continue;
            var f = line.Split(',');
            if (f.Length < 3 || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int c)
                || !long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long s)
                || !long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long e))
                throw new DataFormatException(path, $"line {i + 1} is not 'class,startTime_usec,endTime_usec'");
            if (c < 1 || c > Classes) throw new DataFormatException(path, $"line {i + 1}: class {c} outside 1..{Classes}");
            if (e < s) throw new DataFormatException(path, $"line {i + 1}: end {e} before start {s}");
            rows.Add(new LabelRow(c - 1, s, e));
        }
        return rows;
    }

    /// <summary>The samples of one recording: for each label row, the events with <c>start ≤ t &lt; end</c>.</summary>
    public static IReadOnlyList<(EventRecording Sample, int Label)> Cut(EventRecording recording, IReadOnlyList<LabelRow> labels) =>
        labels.Select(l => (new EventRecording(recording.Events.Where(e => e.T >= l.Start && e.T < l.End).ToArray(), recording.Width, recording.Height), l.Label)).ToList();

    /// <summary>The recordings named in a trial list (<c>trials_to_train.txt</c>: one <c>user01_fluorescent.aedat</c> a line; blank lines skipped).</summary>
    public static IReadOnlyList<string> ReadTrials(string path) =>
        File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
