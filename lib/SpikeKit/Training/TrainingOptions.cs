namespace SpikeKit.Training;

/// <summary>
/// Optimizer and schedule. Defaults follow the RMP-Loss group's CIFAR setting: SGD, momentum 0.9,
/// lr 0.1, weight decay 1e-4 (not on norm weights and biases), cosine schedule, batch 128.
/// </summary>
/// <param name="Epochs">Number of epochs E.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Optimizer">SGD or AdamW.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">Weight decay on weights of rank ≥ 2 (conv, linear); 0 on norm weights and biases.</param>
/// <param name="WarmupEpochs">Linear learning-rate warm-up epochs before the cosine decay.</param>
/// <param name="Seed">Fixes initialization, data order and augmentation.</param>
/// <param name="CropPadding">Random-crop padding in pixels (0 = no crop augmentation).</param>
/// <param name="HorizontalFlip">Random horizontal flip.</param>
public sealed record TrainingOptions(
    int Epochs = 100,
    int BatchSize = 128,
    double LearningRate = 0.1,
    OptimizerKind Optimizer = OptimizerKind.Sgd,
    double Momentum = 0.9,
    double WeightDecay = 1e-4,
    int WarmupEpochs = 0,
    long Seed = 0,
    int CropPadding = 0,
    bool HorizontalFlip = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the field for a value out of range.</summary>
    public TrainingOptions Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs: must be >= 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"batch-size: must be >= 1, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"lr: must be > 0, got {LearningRate}");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"momentum: must be in [0, 1), got {Momentum}");
        if (WeightDecay < 0) throw new ArgumentException($"weight-decay: must be >= 0, got {WeightDecay}");
        if (WarmupEpochs < 0 || WarmupEpochs >= Epochs && WarmupEpochs > 0) throw new ArgumentException($"warmup: must be in [0, epochs), got {WarmupEpochs}");
        if (CropPadding < 0) throw new ArgumentException($"crop-padding: must be >= 0, got {CropPadding}");
        return this;
    }

    /// <summary>
    /// Learning rate for 0-based <paramref name="epoch"/>: linear warm-up <c>lr·(e+1)/W</c> for <c>e &lt; W</c>, then cosine
    /// <c>lr·(1 + cos(π·(e − W)/(E − W)))/2</c> (PyTorch's CosineAnnealingLR with η_min = 0, stepped per epoch).
    /// </summary>
    public double LearningRateAt(int epoch)
    {
        if (epoch < WarmupEpochs) return LearningRate * (epoch + 1) / WarmupEpochs;
        int span = Math.Max(1, Epochs - WarmupEpochs);
        return LearningRate * (1 + Math.Cos(Math.PI * (epoch - WarmupEpochs) / span)) / 2;
    }
}
