using SpikeKit.Experiments;
using SpikeKit.Training;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Experiments;

/// <summary>Tests that compare whole runs bit for bit: they run alone, since LibTorch's global RNG (seeded per run) and
/// thread count are shared with every test running in parallel in this process.</summary>
[CollectionDefinition(nameof(BitExactRunsCollection), DisableParallelization = true)]
public sealed class BitExactRunsCollection;

/// <summary>Per-epoch checkpoints: a run stopped after an epoch and started again writes exactly the files of an uninterrupted run.</summary>
[Collection(nameof(BitExactRunsCollection))]
public class CheckpointTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static RunConfig Config(string optimizer) => new()
    {
        Dataset = "synthetic", TrainLimit = 96, TestLimit = 48, Epochs = 3, BatchSize = 32, Width = 0.25, TimeSteps = 2,
        Variant = "rmp", Optimizer = optimizer, Lr = optimizer == "sgd" ? 0.1 : 0.01, Threads = 1, Seed = 5,
    };

    sealed class StopAfterEpoch(int epoch) : ITrainingProgress
    {
        public void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy) { }
        public void OnEpoch(EpochMetrics metrics, int epochs)
        {
            if (metrics.Epoch > epoch) throw new OperationCanceledException("stopped for the test");
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void ResumedRunWritesTheFilesOfAnUninterruptedOne(string optimizer)
    {
        var config = Config(optimizer);
        string whole = Path.Combine(_dir, "whole"), resumed = Path.Combine(_dir, "resumed");
        var s1 = RunExecutor.Run(config, whole, checkpoints: true);
        Assert.False(File.Exists(Path.Combine(whole, RunFiles.Checkpoint)), "a completed run keeps no checkpoint");

        Assert.Throws<OperationCanceledException>(() => RunExecutor.Run(config, resumed, new StopAfterEpoch(1), checkpoints: true));
        var state = Checkpoint.ReadState(Path.Combine(resumed, RunFiles.Checkpoint));
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(config.ContentHash(), state.Key);

        var s2 = RunExecutor.Run(config, resumed, checkpoints: true);
        Assert.Equal(RunStatus.Completed, s2.Status);
        Assert.Equal(3, s2.EpochsCompleted);
        foreach (var f in new[] { "metrics.csv", "layers.csv", "histograms.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(whole, f)), File.ReadAllText(Path.Combine(resumed, f)));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(resumed, "timing.csv")).Length);
        Assert.Equal(s1.FinalTestAccuracy, s2.FinalTestAccuracy);
        Assert.Equal(s1.FinalMeanQuantizationError, s2.FinalMeanQuantizationError);
        Assert.False(File.Exists(Path.Combine(resumed, RunFiles.Checkpoint)));
    }

    [Fact]
    public void CheckpointOfAnotherConfigIsIgnored()
    {
        var config = Config("sgd");
        var dir = Path.Combine(_dir, "other");
        Assert.Throws<OperationCanceledException>(() => RunExecutor.Run(config with { Seed = 6 }, dir, new StopAfterEpoch(1), checkpoints: true));
        var s = RunExecutor.Run(config, dir, checkpoints: true);
        var whole = RunExecutor.Run(config, Path.Combine(_dir, "whole"));
        Assert.Equal(whole.FinalTestAccuracy, s.FinalTestAccuracy);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "whole", "metrics.csv")), File.ReadAllText(Path.Combine(dir, "metrics.csv")));
    }

    /// <summary>Every kind of damage: one flipped byte at positions spread over the whole file (header, state, tensors,
    /// optimizer state, end marker, checksum), 64 flipped bytes inside the tensor data, truncations, and a file of another kind.</summary>
    static IEnumerable<(string What, byte[] Bytes)> Damaged(byte[] good)
    {
        for (int k = 0; k <= 40; k++)
        {
            int at = (int)((long)(good.Length - 1) * k / 40);
            var b = (byte[])good.Clone();
            b[at] ^= 0x10;
            yield return ($"byte {at} flipped", b);
        }
        var block = (byte[])good.Clone();
        for (int i = 0; i < 64; i++) block[good.Length / 2 + i] ^= 0xFF;
        yield return ("64 bytes flipped", block);
        foreach (var keep in new[] { 0, 1, 31, good.Length / 3, good.Length - 33, good.Length - 1 })
            yield return ($"cut to {keep} bytes", good[..keep]);
        yield return ("not a checkpoint", "not a checkpoint"u8.ToArray());
    }

    [Fact]
    public void ACorruptCheckpointIsNeverReadAndTheRunStartsOver()
    {
        var config = Config("sgd");
        var whole = RunExecutor.Run(config, Path.Combine(_dir, "whole"));
        var dir = Path.Combine(_dir, "damaged");
        Assert.Throws<OperationCanceledException>(() => RunExecutor.Run(config, dir, new StopAfterEpoch(1), checkpoints: true));
        var path = Path.Combine(dir, RunFiles.Checkpoint);
        var good = File.ReadAllBytes(path);
        int cases = 0;
        foreach (var (what, bytes) in Damaged(good))
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(path));
            Assert.True(e.Message.StartsWith(path + ": corrupt checkpoint", StringComparison.Ordinal), $"{what}: {e.Message}");
            Assert.DoesNotContain('\n', e.Message);
            cases++;
        }
        Assert.Equal(49, cases);

        // Resuming from the 64-flipped-bytes file: the run says so, starts over and ends as an uninterrupted run does.
        File.WriteAllBytes(path, Damaged(good).Single(d => d.What == "64 bytes flipped").Bytes);
        var notices = new List<(RunExecutor.CheckpointEvent, string)>();
        var s = RunExecutor.Run(config, dir, checkpoints: true, notice: (evt, line) => notices.Add((evt, line)));
        var (kind, message) = Assert.Single(notices);
        Assert.Equal(RunExecutor.CheckpointEvent.Restarted, kind);
        Assert.StartsWith($"{path}: corrupt checkpoint (SHA-256 mismatch", message);
        Assert.EndsWith("not read, the run starts over from epoch 1", message);
        Assert.Equal(whole.FinalTestAccuracy, s.FinalTestAccuracy);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "whole", RunFiles.Metrics)), File.ReadAllText(Path.Combine(dir, RunFiles.Metrics)));
    }

    [Fact]
    public void ACorruptCheckpointInASweepIsLoggedAndItsRunTrainedAgain()
    {
        var plan = SweepSpec.Ablation(Config("sgd") with { Epochs = 2 }, ["baseline"], [5], "damaged").Expand();
        var sweep = Path.Combine(_dir, "sweep");
        var run = plan.Runs[0];
        SweepRunner.WritePlan(sweep, plan);
        var runDir = SweepRunner.RunFolder(sweep, run);
        Assert.Throws<OperationCanceledException>(() => RunExecutor.Run(run.Config, runDir, new StopAfterEpoch(1), checkpoints: true));
        var path = Path.Combine(runDir, RunFiles.Checkpoint);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.True(SweepRunner.RunAll(sweep, plan).AllComplete);
        var log = File.ReadAllText(Path.Combine(sweep, SweepRunner.LogFile));
        Assert.Contains($"restarted {run.Id} [{run.Index}] {path}: corrupt checkpoint", log);
    }
}
