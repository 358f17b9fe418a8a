using SpikeKit.Data;
using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Training;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void SyntheticSetIsLearnedToHighAccuracyInAFewEpochs()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        var (train, test) = SyntheticDataset.Create(trainCount: 512, testCount: 256, classes: 4, seed: 1);
        using (train)
        using (test)
        {
            manual_seed(1);
            using var model = new SpikingCnn(new ModelOptions(TimeSteps: 2, Classes: 4, Width: 0.25));
            var options = new TrainingOptions(Epochs: 4, BatchSize: 32, LearningRate: 0.1, Seed: 1);
            using var trainer = new Trainer(model, CompositeLoss.Baseline.With(new RmpLoss(), 0.5), options);
            var history = trainer.Fit(new BatchLoader(train, 32, true, Augmentation.None, 1),
                                      new BatchLoader(test, 128, false, Augmentation.None, 1)).ToList();
            Assert.Equal(4, history.Count);
            Assert.True(history[^1].TestAccuracy >= 0.9, $"test accuracy {history[^1].TestAccuracy:P1}");
            Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
            // RMP was computed and weighted, and the probes saw both spiking layers of the CNN.
            Assert.Equal("rmp", history[^1].Regularizers.Single().Name);
            Assert.Equal(0.5, history[^1].Regularizers.Single().Lambda);
            Assert.Equal(2, history[^1].Layers.Count);
            // Every test potential counted once: T·N·C·H·W = 2·256·8·28·28 and 2·256·16·14·14 (width 0.25 of 32 and 64 channels).
            Assert.Equal(2L * 256 * 8 * 28 * 28, history[^1].Layers[0].Count);
            Assert.Equal(2L * 256 * 16 * 14 * 14, history[^1].Layers[1].Count);
            Assert.Equal(options.LearningRateAt(3), history[^1].LearningRate);
        }
    }

    [Fact]
    public void CosineScheduleWithWarmup()
    {
        var o = new TrainingOptions(Epochs: 10, LearningRate: 0.1, WarmupEpochs: 2);
        Assert.Equal(0.05, o.LearningRateAt(0), 12);
        Assert.Equal(0.1, o.LearningRateAt(1), 12);
        Assert.Equal(0.1, o.LearningRateAt(2), 12);                                    // cos(0) = 1
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI * 4 / 8)) / 2, o.LearningRateAt(6), 12); // halfway: 0.05
        Assert.Equal(0.05, o.LearningRateAt(6), 12);
    }

    [Fact]
    public void WeightDecaySkipsNormWeightsAndBiases()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        // With lr > 0 and zero gradients, SGD weight decay alone moves parameters: only rank >= 2 ones may change.
        using var model = new SpikingCnn(new ModelOptions(TimeSteps: 1, Width: 0.125));
        using var trainer = new Trainer(model, CompositeLoss.Baseline, new TrainingOptions(Epochs: 1, LearningRate: 0.5, Momentum: 0, WeightDecay: 0.1));
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        foreach (var p in model.parameters()) p.grad = zeros_like(p);
        trainer.Optimizer.step();
        foreach (var (p, b) in model.parameters().Zip(before))
        {
            if (p.dim() >= 2) Assert.False(p.allclose(b, 0, 0), "a conv/linear weight should decay");
            else Assert.True(p.allclose(b, 0, 0), "norm weights and biases must not decay");
        }
    }

    /// <summary>Two epochs of a tiny CNN on the synthetic set with <paramref name="loss"/>; the divergence it ends in.</summary>
    static TrainingDivergedException Diverge(CompositeLoss loss, List<EpochMetrics> seen)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        var (train, test) = SyntheticDataset.Create(trainCount: 64, testCount: 32, classes: 4, seed: 2);
        using (train)
        using (test)
        {
            using var model = new SpikingCnn(new ModelOptions(TimeSteps: 1, Classes: 4, Width: 0.125));
            using var trainer = new Trainer(model, loss, new TrainingOptions(Epochs: 2, BatchSize: 32));
            return Assert.Throws<TrainingDivergedException>(() =>
                trainer.Fit(new BatchLoader(train, 32, true, Augmentation.None, 0), new BatchLoader(test, 32, false, Augmentation.None, 0), afterEpoch: seen.Add));
        }
    }

    [Fact]
    public void NanLossStopsWithEpochAndBatch()
    {
        var e = Diverge(CompositeLoss.Baseline.With(new NanRegularizer(), 1.0), []);
        Assert.Equal("loss is NaN at epoch 1, batch 1; lower --lr or check the data", e.Message);
    }

    [Fact]
    public void NanTestLossStopsInTheEpochItHappens()
    {
        // Finite while training, NaN on the test set (evaluation runs without gradients).
        var seen = new List<EpochMetrics>();
        var e = Diverge(new CompositeLoss(new NanWhenEvaluating(), []), seen);
        Assert.Equal("test loss is NaN after epoch 1; lower --lr or check the data", e.Message);
        Assert.Equal((0, -1), (e.Epoch, e.Batch));
        Assert.Empty(seen); // the diverged epoch is not recorded
    }

    sealed class NanWhenEvaluating : ITaskLoss
    {
        readonly MeanOutputCrossEntropy _ce = new();
        public string Name => "nan-when-evaluating";
        public Tensor Compute(Tensor outputs, Tensor targets) => is_grad_enabled() ? _ce.Compute(outputs, targets) : tensor(float.NaN);
    }

    sealed class NanRegularizer : IRegularizer
    {
        public string Name => "nan";
        public Tensor Compute(IReadOnlyList<SpikeKit.Neurons.NeuronActivity> layers) => tensor(float.NaN);
    }
}
