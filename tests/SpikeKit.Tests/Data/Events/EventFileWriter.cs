using System.Buffers.Binary;
using System.Text;
using SpikeKit.Data.Events;

namespace SpikeKit.Tests.Data.Events;

/// <summary>Writes event files byte by byte in the real formats (independently of the readers' code).</summary>
internal static class EventFileWriter
{
    /// <summary>CIFAR10-DVS: AEDAT 2.0 header lines, then big-endian (address, timestamp) pairs. The address holds the raw
    /// DVS128 (x, y, p): y in bits 8-14, x in bits 1-7, p in bit 0 (optionally with extra high bits set).</summary>
    public static byte[] Cifar10Dvs(IEnumerable<(uint T, int RawX, int RawY, int RawP)> events, uint extraBits = 0, string header = "#!AER-DAT2.0\r\n# This is a raw AE data file\r\n")
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(header));
        foreach (var (t, x, y, p) in events)
        {
            uint a = extraBits | ((uint)y << 8) | ((uint)x << 1) | (uint)p;
            bytes.Add((byte)(a >> 24)); bytes.Add((byte)(a >> 16)); bytes.Add((byte)(a >> 8)); bytes.Add((byte)a);
            bytes.Add((byte)(t >> 24)); bytes.Add((byte)(t >> 16)); bytes.Add((byte)(t >> 8)); bytes.Add((byte)t);
        }
        return bytes.ToArray();
    }

    public const string GestureHeader = "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n";

    /// <summary>One AEDAT 3.1 packet: 28-byte little-endian header (type, source, size, ts offset, ts overflow, capacity,
    /// number, valid), then capacity events of <paramref name="eventSize"/> bytes.</summary>
    public static byte[] GesturePacket(ushort type, uint overflow, IReadOnlyList<(uint Ts, int X, int Y, int P)> events, uint eventSize = 8)
    {
        var packet = new byte[28 + events.Count * eventSize];
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(0), type);
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(4), eventSize);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(8), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(12), overflow);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(16), (uint)events.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(20), (uint)events.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(24), (uint)events.Count);
        for (int i = 0; i < events.Count; i++)
        {
            var (ts, x, y, p) = events[i];
            uint data = ((uint)x << 17) | ((uint)y << 2) | ((uint)p << 1) | 1u; // bit 0: valid mark
            int at = 28 + i * (int)eventSize;
            BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(at), data);
            BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(at + 4), ts);
        }
        return packet;
    }

    public static byte[] Gesture(params byte[][] packets) => [.. Encoding.ASCII.GetBytes(GestureHeader), .. packets.SelectMany(p => p)];

    /// <summary>N-MNIST: 5 bytes per event, x, y, p in bit 7 of byte 2 over the 23-bit timestamp.</summary>
    public static byte[] NMnist(IEnumerable<(uint T, int X, int Y, int P)> events)
    {
        var bytes = new List<byte>();
        foreach (var (t, x, y, p) in events)
        {
            bytes.Add((byte)x);
            bytes.Add((byte)y);
            bytes.Add((byte)((p << 7) | (int)((t >> 16) & 0x7F)));
            bytes.Add((byte)(t >> 8));
            bytes.Add((byte)t);
        }
        return bytes.ToArray();
    }

    /// <summary>A small deterministic event list on an s×s sensor, sorted by time.</summary>
    public static (uint T, int X, int Y, int P)[] Pattern(int count, int side, int seed)
    {
        var r = new Random(seed);
        uint t = (uint)r.Next(0, 1000);
        return Enumerable.Range(0, count).Select(_ => { t += (uint)r.Next(0, 50); return (t, r.Next(side), r.Next(side), r.Next(2)); }).ToArray();
    }
}
