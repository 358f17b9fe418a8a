using SpikeKit.Config;
using SpikeKit.Models;
using SpikeKit.Runs;
using SpikeKit.Tests.Experiments;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Runs;

/// <summary>A completed run keeps its trained network; it loads back in one call and evaluates to the run's last epoch.</summary>
[Collection(nameof(BitExactRunsCollection))]
public class SavedModelTests() : TempFolderTests("spikekit-model-")
{
    static RunConfig Config(string model = "cnn") => new()
    {
        Dataset = "synthetic", Model = model, TrainLimit = 96, TestLimit = 64, Epochs = 2, BatchSize = 32, Width = 0.25, TimeSteps = 2,
        Variant = "rmp", Threads = 1, Seed = 3,
    };

    [Theory]
    [InlineData("cnn")]
    [InlineData("resnet20")]
    public void ACompletedRunKeepsItsModelAndEvaluatesToItsLastEpoch(string model)
    {
        var dir = Path.Combine(Dir, model);
        var summary = RunExecutor.Run(Config(model), dir);
        Assert.True(File.Exists(Path.Combine(dir, RunFiles.Model)));
        var saved = SavedModel.Read(dir);
        Assert.Equal(summary.ModelSha256, saved.Sha256);
        Assert.Equal(model, saved.Model);

        using (var net = SavedModel.Load(dir))
        {
            Assert.False(net.training);
            Assert.Equal(saved.Parameters, net.ParameterCount);
        }
        var result = RunEvaluation.Evaluate(dir);
        Assert.Equal(summary.FinalTestAccuracy, result.Evaluation.Accuracy);
        Assert.Equal(64, result.Evaluation.Samples);
        var last = File.ReadAllLines(Path.Combine(dir, RunFiles.Layers)).Skip(1).Where(l => l.StartsWith("2,", StringComparison.Ordinal)).ToList();
        Assert.Equal(last.Count, result.Evaluation.Layers.Count);
        Assert.Equal(summary.FinalMeanQuantizationError, result.Evaluation.Layers.Average(l => l.QuantizationError), 12);
        Assert.Equal(summary.FinalMeanFiringRate, result.Evaluation.Layers.Average(l => l.FiringRate), 12);
        Assert.NotNull(result.Evaluation.Energy);
    }

    [Fact]
    public void ADamagedModelIsRefusedWithOneLineNamingTheFile()
    {
        var dir = Path.Combine(Dir, "run");
        RunExecutor.Run(Config(), dir);
        var path = Path.Combine(dir, RunFiles.Model);
        var good = File.ReadAllBytes(path);
        foreach (var bytes in new[] { Flip(good, good.Length / 2), Flip(good, 3), good[..(good.Length - 100)], Array.Empty<byte>() })
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => SavedModel.Load(dir));
            Assert.StartsWith($"{path}: corrupt saved model", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        // Whole and sealed, but not the weights the run recorded.
        File.WriteAllBytes(path, good);
        var other = Path.Combine(Dir, "other");
        RunExecutor.Run(Config() with { Seed = 4 }, other);
        File.Copy(Path.Combine(other, RunFiles.Model), path, overwrite: true);
        var mismatch = Assert.Throws<InvalidDataException>(() => SavedModel.Load(dir));
        Assert.StartsWith($"{path}: weights do not match model.json", mismatch.Message);

        File.Delete(Path.Combine(dir, RunFiles.ModelSpec));
        Assert.StartsWith($"{Path.Combine(dir, RunFiles.ModelSpec)}: no saved model", Assert.Throws<InvalidDataException>(() => SavedModel.Load(dir)).Message);
    }

    static byte[] Flip(byte[] b, int at)
    {
        var c = (byte[])b.Clone();
        c[at] ^= 1;
        return c;
    }
}
