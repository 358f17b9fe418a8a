using SpikeKit.Data;
using SpikeKit.Data.Events;
using SpikeKit.Native;
using SpikeKit.Runs;
using static SpikeKit.Tests.Data.Events.EventFileWriter;

namespace SpikeKit.Tests.Data.Events;

public class EventDatasetTests : TempFolderTests
{
    public EventDatasetTests() : base("spikekit-eventsets") => TorchNative.EnsureLoaded();

    public static readonly string[] CifarClasses = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>CIFAR10-DVS with <paramref name="perClass"/> files per class named <c>cifar10_&lt;class&gt;_&lt;i&gt;.aedat</c>; file i of
    /// class c has 3 + i + c events.</summary>
    public static string WriteCifar10Dvs(string root, int perClass)
    {
        for (int c = 0; c < 10; c++)
            for (int i = 0; i < perClass; i++)
            {
                var folder = Directory.CreateDirectory(Path.Combine(root, CifarClasses[c])).FullName;
                File.WriteAllBytes(Path.Combine(folder, $"cifar10_{CifarClasses[c]}_{i}.aedat"), Cifar10Dvs(Pattern(3 + i + c, 128, 100 * c + i)));
            }
        return root;
    }

    /// <summary>N-MNIST with <paramref name="perClass"/> train and 1 test file per digit; train file i of digit d has 4 + d + i events.</summary>
    public static string WriteNMnist(string root, int perClass)
    {
        for (int d = 0; d < 10; d++)
        {
            var train = Directory.CreateDirectory(Path.Combine(root, "Train", $"{d}")).FullName;
            var test = Directory.CreateDirectory(Path.Combine(root, "Test", $"{d}")).FullName;
            for (int i = 0; i < perClass; i++) File.WriteAllBytes(Path.Combine(train, $"{i:D5}.bin"), NMnist(Pattern(4 + d + i, 34, 10 * d + i)));
            File.WriteAllBytes(Path.Combine(test, "00000.bin"), NMnist(Pattern(7, 34, 1000 + d)));
        }
        return root;
    }

    /// <summary>DVS128 Gesture: two recordings (user01 train, user02 test), each with three gestures of classes 1, 5 and 11.</summary>
    public static string WriteGesture(string root)
    {
        Directory.CreateDirectory(root);
        foreach (var user in new[] { "user01_fluorescent", "user02_lab" })
        {
            var events = Enumerable.Range(0, 60).Select(i => ((uint)(i * 10), i % 128, (i * 7) % 128, i % 2)).ToArray();
            File.WriteAllBytes(Path.Combine(root, user + ".aedat"), Gesture(GesturePacket(1, 0, events[..25]), GesturePacket(1, 0, events[25..])));
            // Gestures [0, 200), [200, 400), [400, 590): 20, 20 and 19 events; the event at t = 590 falls in none.
            File.WriteAllText(Path.Combine(root, user + "_labels.csv"), "class,startTime_usec,endTime_usec\n1,0,200\n5,200,400\n11,400,590\n");
        }
        File.WriteAllText(Path.Combine(root, "trials_to_train.txt"), "user01_fluorescent.aedat\n");
        File.WriteAllText(Path.Combine(root, "trials_to_test.txt"), "user02_lab.aedat\n\n");
        return root;
    }

    [Fact]
    public void Cifar10DvsNineToOneSplitIsPerClassInFileNameOrder()
    {
        // 12 files per class: floor(0.9·12) = 10 train; in ordinal order _0 _1 _10 _11 _2 … _9, so _8 and _9 are test.
        var (train, test) = EventDatasets.Load("cifar10-dvs", WriteCifar10Dvs(Path.Combine(Dir, "c"), 12), new EventLoadOptions(TimeSteps: 2));
        using (train)
        using (test)
        {
            Assert.Equal((100, 20), (train.Count, test.Count));
            Assert.Equal(Enumerable.Repeat(10L, 10), train.LabelHistogram());
            Assert.Equal("9:1", test.Split);
            // Test sample 0 is airplane_8 (3 + 8 + 0 events), sample 1 airplane_9; sample 2 automobile_8 (3 + 8 + 1).
            Assert.Equal(new long[] { 11, 12, 12, 13 }, test.EventCounts[..4]);
            Assert.Equal(new long[] { 100, 2, 2, 128, 128 }, train.Frames.shape);
            using var sums = test.Frames.sum([1, 2, 3, 4]);
            Assert.Equal(test.EventCounts.Select(c => (float)c), sums.data<float>().ToArray());
        }
    }

    [Fact]
    public void Cifar10DvsTebnSplitTestsTheLowestNumbers()
    {
        var (train, test) = EventDatasets.Load("cifar10-dvs", WriteCifar10Dvs(Path.Combine(Dir, "c"), 12), new EventLoadOptions(TimeSteps: 2, Split: "tebn"));
        using (train)
        using (test)
        {
            // 12 files: the first 10 % by number (1 file, _0) test.
            Assert.Equal((110, 10), (train.Count, test.Count));
            Assert.Equal(Enumerable.Range(0, 10).Select(c => 3L + c), test.EventCounts);
            Assert.Equal("tebn", train.Split);
        }
    }

    [Fact]
    public void NMnistUsesTheOfficialFoldersAndFramesEveryEvent()
    {
        var (train, test) = EventDatasets.Load("nmnist", WriteNMnist(Path.Combine(Dir, "n"), 3), new EventLoadOptions(TimeSteps: 3));
        using (train)
        using (test)
        {
            Assert.Equal((30, 10), (train.Count, test.Count));
            Assert.Equal(new long[] { 30, 3, 2, 34, 34 }, train.Frames.shape);
            Assert.Equal(new long[] { 4, 5, 6, 5, 6, 7 }, train.EventCounts[..6]);
            using var sums = train.Frames.sum([1, 2, 3, 4]);
            Assert.Equal(train.EventCounts.Select(c => (float)c), sums.data<float>().ToArray());
            Assert.Equal(34, train.SensorWidth);
        }
    }

    [Fact]
    public void GestureCutsOneSamplePerLabelRowFromTheTrialLists()
    {
        var (train, test) = EventDatasets.Load("dvs128-gesture", WriteGesture(Path.Combine(Dir, "g")), new EventLoadOptions(TimeSteps: 2, FrameSize: 32));
        using (train)
        using (test)
        {
            Assert.Equal((3, 3), (train.Count, test.Count));
            Assert.Equal(new long[] { 0, 4, 10 }, train.Labels.data<long>().ToArray());
            Assert.Equal(new long[] { 20, 20, 19 }, train.EventCounts);
            Assert.Equal(new long[] { 3, 2, 2, 32, 32 }, train.Frames.shape);
            Assert.Equal(11, train.Classes);
        }
    }

    [Fact]
    public void AMalformedFileStopsTheLoadWithItsNameAndOffset()
    {
        var root = WriteNMnist(Path.Combine(Dir, "n"), 2);
        var bad = Path.Combine(root, "Train", "4", "00001.bin");
        File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..^1]);
        var e = Assert.Throws<DataFormatException>(() => EventDatasets.Load("nmnist", root, new EventLoadOptions(TimeSteps: 2)));
        Assert.StartsWith($"{bad}: ", e.Message);
        Assert.Contains("at byte", e.Message);
    }

    [Fact]
    public void TheFrameCacheIsReusedAndRebuiltWhenItsSourceChangesOrItIsCutShort()
    {
        var root = WriteNMnist(Path.Combine(Dir, "n"), 2);
        var cache = new FrameCache(Path.Combine(Dir, "cache"), AtomicFile.Write);
        var log = new StringWriter();
        var options = new EventLoadOptions(TimeSteps: 2, FrameSize: 16, Cache: cache, Log: log);
        float[] first;
        var (a, b) = EventDatasets.Load("nmnist", root, options);
        using (a) using (b) first = a.Frames.data<float>().ToArray();
        var files = Directory.GetFiles(Path.Combine(Dir, "cache", "nmnist"));
        Assert.Equal(2, files.Length);
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("train-T2-number-16-", StringComparison.Ordinal));
        Assert.Contains("framing nmnist/train: 20/20", log.ToString());

        log.GetStringBuilder().Clear();
        (a, b) = EventDatasets.Load("nmnist", root, options);
        using (a) using (b) Assert.Equal(first, a.Frames.data<float>().ToArray());
        Assert.DoesNotContain("framing", log.ToString()); // read from the cache

        // A changed source file makes the entry stale.
        var source = Path.Combine(root, "Train", "0", "00000.bin");
        File.WriteAllBytes(source, NMnist(Pattern(9, 34, 77)));
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(1));
        (a, b) = EventDatasets.Load("nmnist", root, options);
        using (a) using (b) Assert.Equal(9, a.EventCounts[0]);
        Assert.Contains("stale (its source files changed); framing again", log.ToString());

        // An entry cut short is rebuilt.
        var entry = files.First(f => Path.GetFileName(f).StartsWith("train", StringComparison.Ordinal));
        File.WriteAllBytes(entry, File.ReadAllBytes(entry)[..^10]);
        log.GetStringBuilder().Clear();
        (a, b) = EventDatasets.Load("nmnist", root, options);
        using (a) using (b) Assert.Equal(9, a.EventCounts[0]);
        Assert.Contains("cut short", log.ToString());
        Assert.Empty(Directory.GetFiles(Path.Combine(Dir, "cache", "nmnist"), "*.tmp"));
    }

    [Fact]
    public void TheStaticLoaderPointsEventNamesToTheEventLoader()
    {
        Assert.Equal("dataset: nmnist is event data; load it with EventDatasets.Load", Assert.Throws<ArgumentException>(() => Datasets.Load("nmnist")).Message);
        Assert.Equal(Path.Combine(Datasets.UserDataRoot(), "cifar10-dvs"), EventDatasets.DefaultDirectory("cifar10-dvs"));
        Assert.Equal(Datasets.DefaultDirectory("fashion-mnist"), EventDatasets.DefaultDirectory("sim-fashion-mnist"));
    }
}
