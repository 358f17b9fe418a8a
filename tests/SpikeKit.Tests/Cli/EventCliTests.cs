using SpikeKit.Runs;
using SpikeKit.Tests.Data;
using SpikeKit.Tests.Data.Events;
using static SpikeKit.Tests.Data.Events.EventFileWriter;

namespace SpikeKit.Tests.Cli;

/// <summary>Event data through the command line: <c>spikekit data</c> on each format, malformed files, and a short
/// training on simulated events.</summary>
public class EventCliTests() : TempFolderTests("spikekit-eventcli")
{
    CliRunner.Result Run(params string[] args) =>
        CliRunner.RunWith(new Dictionary<string, string> { ["SPIKEKIT_DATA"] = Path.Combine(Dir, "userdata") }, args);

    [Fact]
    public void DataPrintsCountsShapesAndEventsOfAWrittenCifar10Dvs()
    {
        var root = EventDatasetTests.WriteCifar10Dvs(Path.Combine(Dir, "c"), 10);
        var r = Run("data", "cifar10-dvs", "--data-dir", root, "--timesteps", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // 10 files a class: 9 train, 1 test (airplane_9: 3 + 9 events; the first train sample, airplane_0, 3 events → frames 1 and 2).
        Assert.Equal(
        [
            "cifar10-dvs: event camera, 10 classes, split 9:1",
            "sensor: 128x128",
            "frame shape: [T, 2, H, W] = [2, 2, 128, 128] (split by number)",
            "train: 90 samples; per class: 0:9 1:9 2:9 3:9 4:9 5:9 6:9 7:9 8:9 9:9",
            "test: 10 samples; per class: 0:1 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1",
            "events per sample: min 3, median 12, max 21",
            "sample cifar10-dvs/train[0] (label 0): 3 events; per-frame sums: 1, 2",
        ], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("framing cifar10-dvs/train: 90/90", r.Stderr);
    }

    [Fact]
    public void DataPrintsCountsOfWrittenNMnistAndGestureSets()
    {
        var n = Run("data", "nmnist", "--data-dir", EventDatasetTests.WriteNMnist(Path.Combine(Dir, "n"), 2), "--timesteps", "3");
        Assert.True(n.ExitCode == 0, n.Stderr);
        var lines = n.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sensor: 34x34", lines[1]);
        Assert.Equal("train: 20 samples; per class: 0:2 1:2 2:2 3:2 4:2 5:2 6:2 7:2 8:2 9:2", lines[3]);
        Assert.Equal("test: 10 samples; per class: 0:1 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1", lines[4]);
        // Train file i of digit d: 4 + d + i events (4 … 14); test files 7 each. 30 counts, median of sorted (…) = 7.
        Assert.Equal("events per sample: min 4, median 7, max 14", lines[5]);
        Assert.Equal("sample nmnist/train[0] (label 0): 4 events; per-frame sums: 1, 1, 2", lines[6]);

        var g = Run("data", "dvs128-gesture", "--data-dir", EventDatasetTests.WriteGesture(Path.Combine(Dir, "g")), "--timesteps", "4", "--frames", "time");
        Assert.True(g.ExitCode == 0, g.Stderr);
        lines = g.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("dvs128-gesture: event camera, 11 classes, split official", lines[0]);
        Assert.Equal("frame shape: [T, 2, H, W] = [4, 2, 128, 128] (split by time)", lines[2]);
        Assert.Equal("train: 3 samples; per class: 0:1 1:0 2:0 3:0 4:1 5:0 6:0 7:0 8:0 9:0 10:1", lines[3]);
        Assert.Equal("events per sample: min 19, median 20, max 20", lines[5]);
        // Sample 0: t = 0, 10, …, 190; dt = 190 / 4 = 47: [0, 47) 5 events, [47, 94) 5, [94, 141) 5, the rest 5.
        Assert.Equal("sample dvs128-gesture/train[0] (label 0): 20 events; per-frame sums: 5, 5, 5, 5", lines[6]);
    }

    [FactWhenFashionMnist]
    public void DataPrintsTheCountsOfFashionMnist()
    {
        var r = Run("data", "fashion-mnist");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
        [
            "fashion-mnist: static images, 10 classes",
            "sample shape: 1x28x28 (repeated over T by direct encoding)",
            "train: 60000 samples; per class: 0:6000 1:6000 2:6000 3:6000 4:6000 5:6000 6:6000 7:6000 8:6000 9:6000",
            "test: 10000 samples; per class: 0:1000 1:1000 2:1000 3:1000 4:1000 5:1000 6:1000 7:1000 8:1000 9:1000",
        ], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void EachMalformedFileEndsWithOneLineNamingItExitOne()
    {
        var cifar = EventDatasetTests.WriteCifar10Dvs(Path.Combine(Dir, "c"), 2);
        var nmnist = EventDatasetTests.WriteNMnist(Path.Combine(Dir, "n"), 1);
        var gesture = EventDatasetTests.WriteGesture(Path.Combine(Dir, "g"));
        string Break(string path, Func<byte[], byte[]> change)
        {
            File.WriteAllBytes(path, change(File.ReadAllBytes(path)));
            return path;
        }
        var cases = new (string Dataset, string Dir, string File, string Problem, Func<byte[], byte[]> Change)[]
        {
            ("cifar10-dvs", cifar, Path.Combine(cifar, "bird", "cifar10_bird_1.aedat"), "not a whole number of 8-byte", b => b[..^2]),
            ("cifar10-dvs", cifar, Path.Combine(cifar, "cat", "cifar10_cat_0.aedat"), "bad header", b => [.. Encoding("AER\n"), .. b]),
            ("nmnist", nmnist, Path.Combine(nmnist, "Train", "3", "00000.bin"), "not a whole number of 5-byte events", b => b[..^1]),
            ("nmnist", nmnist, Path.Combine(nmnist, "Test", "5", "00000.bin"), "outside the 34x34 sensor", b => [.. b, 34, 0, 0, 0, 1]),
            ("dvs128-gesture", gesture, Path.Combine(gesture, "user01_fluorescent.aedat"), "truncated packet", b => b[..^3]),
            ("dvs128-gesture", gesture, Path.Combine(gesture, "user02_lab.aedat"), "bad header", b => b[14..]),
            ("dvs128-gesture", gesture, Path.Combine(gesture, "user01_fluorescent.aedat"), "outside the 128x128 sensor",
                b => [.. b, .. GesturePacket(1, 0, [(600, 5, 200, 1)])]),
        };
        foreach (var (dataset, dir, file, problem, change) in cases)
        {
            var original = File.ReadAllBytes(file);
            Break(file, change);
            var r = Run("data", dataset, "--data-dir", dir, "--timesteps", "2");
            File.WriteAllBytes(file, original);
            Assert.True(r.ExitCode == 1, $"{dataset} {problem}: exit {r.ExitCode}\n{r.Stderr}");
            var line = Assert.Single(r.ErrorLines);
            Assert.StartsWith($"spikekit: {file}: ", line);
            Assert.Contains(problem, line);
            Assert.Contains("at byte ", line);
            Assert.Empty(r.Stdout);
        }
    }

    static byte[] Encoding(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [FactWhenFashionMnist]
    public void AShortAblationOnSimulatedEventsRunsEndToEndAndRmpLowersTheQuantizationError()
    {
        var outDir = Path.Combine(Dir, "ablation");
        var r = Run("ablate", "--dataset", "sim-fashion-mnist", "--train-limit", "256", "--test-limit", "64", "--timesteps", "2", "--epochs", "2",
            "--batch-size", "32", "--width", "0.5", "--threads", "1", "--flip", "--roll", "2", "--quiet", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("| baseline | rmp | Δ rmp |", r.Stdout);
        var summaries = Directory.GetDirectories(outDir).Select(d => Path.Combine(d, RunFiles.Summary)).Where(File.Exists).Select(RunSummary.Load).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.All(summaries, s => Assert.Equal(RunStatus.Completed, s.Status));
        Assert.All(summaries, s => Assert.Equal("sim-fashion-mnist", s.Config.Dataset));
        Assert.All(summaries, s => Assert.Equal("9:1", s.Config.EventSplit)); // recorded, though only CIFAR10-DVS uses it
        var baseline = summaries.Single(s => s.Config.Variant == "baseline");
        var rmp = summaries.Single(s => s.Config.Variant == "rmp");
        Assert.True(rmp.FinalMeanQuantizationError < baseline.FinalMeanQuantizationError,
            $"RMP-Loss QE {rmp.FinalMeanQuantizationError} vs baseline {baseline.FinalMeanQuantizationError}");
        Assert.True(baseline.FinalTestAccuracy > 0.3, $"baseline accuracy {baseline.FinalTestAccuracy}");
        // The frames were cached under SPIKEKIT_DATA/frames and used by both runs.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Dir, "userdata", "frames", "sim-fashion-mnist")).Length);
    }
}
