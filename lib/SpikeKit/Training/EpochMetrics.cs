using SpikeKit.Probes;

namespace SpikeKit.Training;

/// <summary>One regularizer's weight and mean unweighted value over an epoch's training batches.</summary>
/// <param name="Name">Regularizer name (rmp, im, mpd).</param>
/// <param name="Lambda">λ at this epoch.</param>
/// <param name="Value">Mean unweighted value.</param>
public sealed record RegularizerValue(string Name, double Lambda, double Value);

/// <summary>What one training step (<see cref="Trainer.TrainStep"/>) produced.</summary>
/// <param name="Loss">Total loss L of the batch.</param>
/// <param name="TaskLoss">Task loss of the batch.</param>
/// <param name="Regularizers">Each regularizer's λ and unweighted value on the batch.</param>
/// <param name="Correct">Correctly classified samples of the batch (time-averaged output, train mode).</param>
/// <param name="Samples">Samples in the batch.</param>
public sealed record TrainStepResult(double Loss, double TaskLoss, IReadOnlyList<RegularizerValue> Regularizers, long Correct, int Samples);

/// <summary>An evaluation pass (<see cref="Trainer.Measure"/>).</summary>
/// <param name="Loss">Mean task loss.</param>
/// <param name="Accuracy">Accuracy in [0, 1].</param>
/// <param name="Layers">Per spiking layer statistics.</param>
/// <param name="Energy">Synaptic operations and energy per sample; null for a network without a layer graph.</param>
/// <param name="Samples">Samples evaluated.</param>
public sealed record Evaluation(double Loss, double Accuracy, IReadOnlyList<LayerStatistics> Layers, EnergyEstimate? Energy, long Samples);

/// <summary>What one epoch produced (plain numbers, ready for CSV and plots).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="TrainLoss">Mean total loss over training batches.</param>
/// <param name="TrainTaskLoss">Mean task loss over training batches.</param>
/// <param name="Regularizers">Each regularizer's λ and mean value.</param>
/// <param name="TrainAccuracy">Training accuracy (on the augmented batches, in train mode), in [0, 1].</param>
/// <param name="TestLoss">Mean task loss on the test set (eval mode).</param>
/// <param name="TestAccuracy">Test accuracy in [0, 1].</param>
/// <param name="Layers">Per-layer probe statistics on the test set.</param>
/// <param name="TrainSeconds">Wall time of the training pass.</param>
/// <param name="EvalSeconds">Wall time of the evaluation pass.</param>
/// <param name="Energy">Synaptic operations and energy per test sample from the test set's firing rates
/// (<see cref="SynapticOperations"/>); null for a network without a layer graph.</param>
public sealed record EpochMetrics(
    int Epoch, double LearningRate, double TrainLoss, double TrainTaskLoss, IReadOnlyList<RegularizerValue> Regularizers,
    double TrainAccuracy, double TestLoss, double TestAccuracy, IReadOnlyList<LayerStatistics> Layers,
    double TrainSeconds, double EvalSeconds, EnergyEstimate? Energy = null)
{
    /// <summary>Mean over layers of each layer's quantization error (every layer counts once).</summary>
    public double MeanQuantizationError => Layers.Count == 0 ? double.NaN : Layers.Average(l => l.QuantizationError);

    /// <summary>Mean over layers of each layer's firing rate.</summary>
    public double MeanFiringRate => Layers.Count == 0 ? double.NaN : Layers.Average(l => l.FiringRate);
}
