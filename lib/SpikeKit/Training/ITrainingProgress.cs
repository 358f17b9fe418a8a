namespace SpikeKit.Training;

/// <summary>Receives progress from <see cref="Trainer"/> (console bar, notebook display, logs).</summary>
public interface ITrainingProgress
{
    /// <summary>After each training batch: 0-based epoch and batch, running mean loss and accuracy of the epoch.</summary>
    void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy);

    /// <summary>After each epoch's evaluation.</summary>
    void OnEpoch(EpochMetrics metrics, int epochs);
}
