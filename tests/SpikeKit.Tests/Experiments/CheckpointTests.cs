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

    [Fact]
    public void TruncatedCheckpointIsAnErrorNamingTheFile()
    {
        var config = Config("sgd");
        var dir = Path.Combine(_dir, "cut");
        Assert.Throws<OperationCanceledException>(() => RunExecutor.Run(config, dir, new StopAfterEpoch(1), checkpoints: true));
        var path = Path.Combine(dir, RunFiles.Checkpoint);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        var e = Assert.Throws<InvalidDataException>(() => RunExecutor.Run(config, dir, checkpoints: true));
        Assert.Contains(path, e.Message);
        Assert.Contains("delete it", e.Message);

        File.WriteAllBytes(path, "not a checkpoint"u8.ToArray());
        Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(path));
        Assert.Equal(RunStatus.Completed, RunExecutor.Run(config, dir, checkpoints: true).Status); // a foreign file: start over
    }
}
