namespace SpikeKit.Data.Events;

/// <summary>
/// Reads ATIS <c>.bin</c> recordings: N-MNIST (Orchard et al., Frontiers in Neuroscience 2015; 34×34, <c>Train/&lt;digit&gt;/*.bin</c>
/// and <c>Test/&lt;digit&gt;/*.bin</c>) and N-Caltech101 (same encoding, up to 240×180).
/// </summary>
/// <remarks>
/// <para>Format: 5 bytes per event, <c>x = b0</c>, <c>y = b1</c>, <c>p = b2 &gt;&gt; 7</c>,
/// <c>t = ((b2 &amp; 0x7F) &lt;&lt; 16) | (b3 &lt;&lt; 8) | b4</c> microseconds.</para>
/// <para>Timestamp overflow: we follow SpikingJelly, which has no overflow marker; Tonic also treats <c>y == 240</c> as one.
/// An N-MNIST recording lasts about 300 ms, far below the 2^23 µs the 23-bit timestamp holds, so it has none; a <c>y</c> of
/// 240 in a 34×34 file is an event outside the sensor and is refused.</para>
/// <para>Malformed files raise <see cref="DataFormatException"/> naming the file and byte offset: a length that is not a
/// multiple of 5, or an event outside the sensor.</para>
/// </remarks>
public static class NMnistReader
{
    /// <summary>N-MNIST's sensor side.</summary>
    public const int SensorSize = 34;

    /// <summary>Reads the file at <paramref name="path"/> for a sensor of <paramref name="width"/> × <paramref name="height"/>.</summary>
    /// <exception cref="DataFormatException">The file is malformed (one line with the byte offset).</exception>
    public static EventRecording Read(string path, int width = SensorSize, int height = SensorSize) => Read(path, File.ReadAllBytes(path), width, height);

    /// <summary>Decodes the bytes of a file; <paramref name="path"/> only names it in errors.</summary>
    public static EventRecording Read(string path, ReadOnlySpan<byte> bytes, int width = SensorSize, int height = SensorSize)
    {
        if (bytes.Length % 5 != 0)
            throw new DataFormatException(path, $"{bytes.Length} bytes is not a whole number of 5-byte events: {bytes.Length % 5} bytes left over at byte {bytes.Length - bytes.Length % 5}");
        var events = new Event[bytes.Length / 5];
        for (int i = 0; i < events.Length; i++)
        {
            var b = bytes.Slice(5 * i, 5);
            int x = b[0], y = b[1], p = b[2] >> 7;
            long t = ((long)(b[2] & 0x7F) << 16) | ((long)b[3] << 8) | b[4];
            if (x >= width || y >= height)
                throw new DataFormatException(path, $"event at ({x}, {y}) outside the {width}x{height} sensor at byte {5 * i}");
            events[i] = new Event(t, x, y, p);
        }
        return new EventRecording(events, width, height);
    }
}
