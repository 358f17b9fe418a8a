using SpikeKit.Data;
using SpikeKit.Data.Events;
using static SpikeKit.Tests.Data.Events.EventFileWriter;

namespace SpikeKit.Tests.Data.Events;

public class EventReaderTests() : TempFolderTests("spikekit-events")
{
    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Cifar10DvsDecodesBigEndianPairsWithSpikingJellysTranspose()
    {
        // Raw (x, y, p) → x' = 127 − y, y' = 127 − x, p' = 1 − p.
        var raw = new (uint, int, int, int)[] { (5, 0, 0, 0), (0x01020304, 127, 3, 1), (0xFFFFFFF0, 64, 127, 0), (7, 1, 100, 1) };
        var path = Write("cifar10_airplane_0.aedat", Cifar10Dvs(raw));
        var rec = Cifar10DvsReader.Read(path);
        Assert.Equal((128, 128), (rec.Width, rec.Height));
        Assert.Equal(new[]
        {
            new Event(5, 127, 127, 1),
            new Event(0x01020304, 124, 0, 0),
            new Event(0xFFFFFFF0, 0, 63, 1),
            new Event(7, 27, 126, 0),
        }, rec.Events);
    }

    [Fact]
    public void Cifar10DvsIgnoresAddressBitsOutsideTheMasksAsSpikingJellyDoes()
    {
        var path = Write("a.aedat", Cifar10Dvs([(9, 10, 20, 1)], extraBits: 0x80008000));
        Assert.Equal(new[] { new Event(9, 107, 117, 0) }, Cifar10DvsReader.Read(path).Events);
    }

    [Fact]
    public void Cifar10DvsMalformedFilesNameTheFileAndTheByte()
    {
        var good = Cifar10Dvs([(1, 2, 3, 0), (2, 3, 4, 1)]);
        int body = good.Length - 16;
        var odd = Write("odd.aedat", [.. good, 0, 0, 0, 1]);
        var e = Assert.Throws<DataFormatException>(() => Cifar10DvsReader.Read(odd));
        Assert.Equal($"{odd}: body of 20 bytes is not a whole number of 8-byte (address, timestamp) pairs: 4 bytes left over at byte {body + 16}", e.Message);
        var cut = Write("cut.aedat", good[..^3]);
        e = Assert.Throws<DataFormatException>(() => Cifar10DvsReader.Read(cut));
        Assert.Contains($"{cut}: ", e.Message);
        Assert.EndsWith($"at byte {body + 8}", e.Message);
        var bad = Write("bad.aedat", [.. "garbage\n"u8.ToArray(), .. good[body..]]);
        e = Assert.Throws<DataFormatException>(() => Cifar10DvsReader.Read(bad));
        Assert.Equal($"{bad}: bad header: does not start with '#!AER-DAT' at byte 0", e.Message);
        var open = Write("open.aedat", "#!AER-DAT2.0\r\n# no end"u8.ToArray());
        e = Assert.Throws<DataFormatException>(() => Cifar10DvsReader.Read(open));
        Assert.Equal($"{open}: bad header: header line without an end of line at byte 14", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void GestureReadsSeveralPacketsSkipsOtherTypesAndAddsTheOverflow()
    {
        var path = Write("user01_fluorescent.aedat", Gesture(
            GesturePacket(1, 0, [(10, 0, 0, 1), (20, 127, 5, 0)]),
            GesturePacket(2, 0, [(30, 1, 1, 1)], eventSize: 8),          // special events: skipped
            GesturePacket(7, 0, [(31, 2, 2, 1), (32, 3, 3, 0)], eventSize: 16), // IMU-sized events: skipped
            GesturePacket(1, 3, [(0x7FFFFFF0, 64, 127, 1)])));           // t = ts | 3 << 31
        var rec = GestureReader.Read(path);
        Assert.Equal(new[]
        {
            new Event(10, 0, 0, 1),
            new Event(20, 127, 5, 0),
            new Event(0x7FFFFFF0L | (3L << 31), 64, 127, 1),
        }, rec.Events);
        Assert.Equal(0x1FFFFFFF0L, rec.Events[2].T);
    }

    [Fact]
    public void GestureLabelRowsCutSamplesWithStartInclusiveEndExclusive()
    {
        var path = Write("u_labels.csv", "class,startTime_usec,endTime_usec\n3,10,30\n11,30,31\n"u8.ToArray());
        var rows = GestureReader.ReadLabels(path);
        Assert.Equal(new[] { new GestureReader.LabelRow(2, 10, 30), new GestureReader.LabelRow(10, 30, 31) }, rows);
        var rec = new EventRecording([new(9, 0, 0, 0), new(10, 1, 0, 0), new(29, 2, 0, 1), new(30, 3, 0, 1), new(31, 4, 0, 0)], 128, 128);
        var cut = GestureReader.Cut(rec, rows);
        Assert.Equal(new[] { 1, 2 }, cut[0].Sample.Events.Select(e => e.X));
        Assert.Equal(2, cut[0].Label);
        Assert.Equal(new[] { 3 }, cut[1].Sample.Events.Select(e => e.X));
        Assert.Equal(10, cut[1].Label);
        var bad = Write("b_labels.csv", "class,startTime_usec,endTime_usec\n12,1,2\n"u8.ToArray());
        Assert.Equal($"{bad}: line 2: class 12 outside 1..11", Assert.Throws<DataFormatException>(() => GestureReader.ReadLabels(bad)).Message);
    }

    [Fact]
    public void GestureMalformedFilesNameTheFileAndTheByte()
    {
        int h = GestureHeader.Length;
        var p1 = GesturePacket(1, 0, [(1, 1, 1, 1), (2, 2, 2, 0)]);
        var cutHeader = Write("h.aedat", Gesture(p1, p1[..20]));
        Assert.Equal($"{cutHeader}: truncated packet: header of 20 of 28 bytes at byte {h + p1.Length}",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(cutHeader)).Message);
        var cutBody = Write("b.aedat", Gesture(p1[..^4]));
        Assert.Equal($"{cutBody}: truncated packet: 2 events of 8 bytes need 16 bytes, 12 left at byte {h + 28}",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(cutBody)).Message);
        var outside = Write("o.aedat", Gesture(GesturePacket(1, 0, [(1, 1, 1, 1), (2, 128, 2, 0)])));
        Assert.Equal($"{outside}: event at (128, 2) outside the 128x128 sensor at byte {h + 28 + 8}",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(outside)).Message);
        var size = Write("s.aedat", Gesture(GesturePacket(1, 0, [(1, 1, 1, 1)], eventSize: 12)));
        Assert.Equal($"{size}: polarity packet with event size 12 (expected 8) at byte {h + 4}",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(size)).Message);
        var noEnd = Write("n.aedat", [.. "#!AER-DAT3.1\r\n#Format: RAW\r\n"u8.ToArray(), .. p1]);
        Assert.Equal($"{noEnd}: bad header: no '#!END-HEADER' line before the body at byte 28",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(noEnd)).Message);
        var v2 = Write("v.aedat", [.. "#!AER-DAT2.0\r\n#!END-HEADER\r\n"u8.ToArray(), .. p1]);
        Assert.Equal($"{v2}: bad header: does not start with '#!AER-DAT3.1' at byte 0",
            Assert.Throws<DataFormatException>(() => GestureReader.Read(v2)).Message);
    }

    [Fact]
    public void NMnistDecodesFiveByteEventsWithTheTwentyThreeBitTimestamp()
    {
        var events = new (uint, int, int, int)[] { (0, 0, 0, 0), (0x7FFFFF, 33, 33, 1), (0x012345, 5, 17, 1), (300000, 20, 1, 0) };
        var path = Write("Train/3/00001.bin", NMnist(events));
        var rec = NMnistReader.Read(path);
        Assert.Equal((34, 34), (rec.Width, rec.Height));
        Assert.Equal(events.Select(e => new Event(e.Item1, e.Item2, e.Item3, e.Item4)), rec.Events);
        // Byte 2 of the second event holds p in bit 7 and t's bits 16-22.
        Assert.Equal(0xFF, File.ReadAllBytes(path)[7]);
    }

    [Fact]
    public void NMnistMalformedFilesNameTheFileAndTheByte()
    {
        var good = NMnist([(1, 2, 3, 0), (2, 3, 4, 1)]);
        var odd = Write("odd.bin", good[..^2]);
        Assert.Equal($"{odd}: 8 bytes is not a whole number of 5-byte events: 3 bytes left over at byte 5",
            Assert.Throws<DataFormatException>(() => NMnistReader.Read(odd)).Message);
        var outside = Write("out.bin", NMnist([(1, 2, 3, 0), (2, 3, 240, 1)]));
        Assert.Equal($"{outside}: event at (3, 240) outside the 34x34 sensor at byte 5",
            Assert.Throws<DataFormatException>(() => NMnistReader.Read(outside)).Message);
    }
}
