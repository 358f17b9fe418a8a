using SpikeKit.Config;
using SpikeKit.Probes;
using SpikeKit.Runs;
using SpikeKit.Tests.Experiments;
using SpikeKit.Training;

namespace SpikeKit.Tests.Runs;

/// <summary>
/// A full disk during a run, made real by pointing one of its files at <c>/dev/full</c> (every write fails with ENOSPC):
/// the error names the first file that failed, no temp file is left, no CSV ends mid-row, and a rerun with space recovers
/// to the uninterrupted run's files byte for byte.
/// </summary>
[Collection(nameof(BitExactRunsCollection))]
public class DiskFullTests() : TempFolderTests("spikekit-diskfull-")
{
    static readonly RunConfig Config = new()
    {
        Dataset = "synthetic", TrainLimit = 64, TestLimit = 32, Epochs = 2, BatchSize = 32, Width = 0.25, TimeSteps = 2, Threads = 1, Variant = "rmp",
    };

    static readonly string[] Compared = [RunFiles.Metrics, RunFiles.Layers, RunFiles.Histograms];

    /// <summary>Creates <paramref name="link"/> pointing at /dev/full at the end of epoch <paramref name="epoch"/>.</summary>
    sealed class FillDiskAfter(int epoch, string link) : ITrainingProgress
    {
        public void OnBatch(int e, int epochs, int batch, int batches, double meanLoss, double accuracy) { }
        public void OnEpoch(EpochMetrics metrics, int epochs)
        {
            if (metrics.Epoch == epoch) File.CreateSymbolicLink(link, "/dev/full");
        }
    }

    string Uninterrupted()
    {
        var dir = Path.Combine(Dir, "whole");
        if (!File.Exists(Path.Combine(dir, RunFiles.Summary))) RunExecutor.Run(Config, dir, checkpoints: true);
        return dir;
    }

    void AssertRecovers(string dir)
    {
        var summary = RunExecutor.Run(Config, dir, checkpoints: true);
        Assert.Equal(RunStatus.Completed, summary.Status);
        var whole = Uninterrupted();
        foreach (var f in Compared) Assert.Equal(File.ReadAllText(Path.Combine(whole, f)), File.ReadAllText(Path.Combine(dir, f)));
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp"));
    }

    static void AssertNoHalfRows(string dir)
    {
        foreach (var f in new[] { RunFiles.Metrics, RunFiles.Layers, RunFiles.Histograms, RunFiles.Timing })
        {
            var path = Path.Combine(dir, f);
            if (File.Exists(path) && new FileInfo(path).Length > 0) Assert.EndsWith("\n", File.ReadAllText(path));
        }
    }

    [Fact]
    public void AFullDiskUnderACsvFileNamesItAndARerunRecovers()
    {
        if (!File.Exists("/dev/full")) return;
        var dir = Path.Combine(Dir, "csv");
        Directory.CreateDirectory(dir);
        var link = Path.Combine(dir, RunFiles.Histograms);
        File.CreateSymbolicLink(link, "/dev/full");
        var e = Assert.ThrowsAny<IOException>(() => RunExecutor.Run(Config, dir, checkpoints: true));
        Assert.Contains(link, e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Equal(RunStatus.Failed, RunSummary.Load(Path.Combine(dir, RunFiles.Summary)).Status);
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp"));
        File.Delete(link); // space again
        AssertRecovers(dir);
    }

    /// <summary>Runs into <c>Dir/name</c> and fills the disk under the temp file of <paramref name="file"/> after epoch
    /// <paramref name="epoch"/>; checks that the error names that temp file and that it is gone, and returns the run folder.</summary>
    string FillDiskUnderTempFile(string name, string file, int epoch)
    {
        var dir = Path.Combine(Dir, name);
        var tmp = AtomicFile.TempPath(Path.Combine(dir, file));
        var e = Assert.ThrowsAny<IOException>(() => RunExecutor.Run(Config, dir, new FillDiskAfter(epoch, tmp), checkpoints: true));
        Assert.Contains(tmp, e.Message);
        Assert.False(File.Exists(tmp));
        AssertNoHalfRows(dir);
        return dir;
    }

    [Fact]
    public void AFullDiskWhileCheckpointingNamesTheTempFileAndLeavesNone()
    {
        if (!File.Exists("/dev/full")) return;
        var dir = FillDiskUnderTempFile("checkpoint", RunFiles.Checkpoint, epoch: 1);
        Assert.False(File.Exists(Path.Combine(dir, RunFiles.Checkpoint)));
        Assert.Equal(RunStatus.Failed, RunSummary.Load(Path.Combine(dir, RunFiles.Summary)).Status);
        AssertRecovers(dir);
    }

    [Fact]
    public void AFullDiskWhileWritingTheSummaryKeepsTheCheckpointToResumeFrom()
    {
        if (!File.Exists("/dev/full")) return;
        var dir = FillDiskUnderTempFile("summary", RunFiles.Summary, epoch: 2);
        Assert.False(File.Exists(Path.Combine(dir, RunFiles.Summary)));
        Assert.True(File.Exists(Path.Combine(dir, RunFiles.Checkpoint)));
        AssertRecovers(dir);
    }

    /// <summary>A seekable stream that takes what fits below <see cref="Capacity"/> bytes, then fails the write.</summary>
    sealed class SmallDisk : MemoryStream
    {
        public new long Capacity { get; set; } = long.MaxValue;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length + buffer.Length > Capacity)
            {
                base.Write(buffer[..(int)Math.Max(0, Capacity - Length)]); // what fits, as a real disk would
                throw new IOException("No space left on device");
            }
            base.Write(buffer);
        }
    }

    static EpochMetrics Epoch(int epoch) => new(epoch, 0.1, 1.0, 0.9, [new RegularizerValue("rmp", 0.5, 0.04)], 0.8, 0.5, 0.85,
        [new LayerStatistics("lif1", 10, 0.1, 0.05, 0.0025, 0.25, 0.1, -2, 2, [1, 2, 3, 4], 0, 0)], 1.0, 0.1);

    [Fact]
    public void AWriteThatFailsMidEpochCutsEveryFileBackToTheLastWholeEpoch()
    {
        var streams = new Dictionary<string, SmallDisk>();
        var dir = Path.Combine(Dir, "cut");
        var writer = new RunWriter(dir, null, path => streams[Path.GetFileName(path)] = new SmallDisk());
        writer.Append(Epoch(1));
        var afterOne = streams.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        // histograms.csv fills up in the middle of epoch 2's rows; metrics.csv, written first, took epoch 2 already.
        streams[RunFiles.Histograms].Capacity = afterOne[RunFiles.Histograms].Length + 25;
        var e = Assert.Throws<IOException>(() => writer.Append(Epoch(2)));
        Assert.Equal($"{Path.Combine(dir, RunFiles.Histograms)}: No space left on device", e.Message);
        foreach (var (name, stream) in streams) Assert.Equal(afterOne[name], stream.ToArray());
        Assert.Contains("\n1,0,lif1,3,", System.Text.Encoding.UTF8.GetString(afterOne[RunFiles.Histograms]));
        writer.Dispose();
    }
}
