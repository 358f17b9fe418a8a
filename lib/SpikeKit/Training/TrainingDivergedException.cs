namespace SpikeKit.Training;

/// <summary>The loss became NaN or infinite: during training (the message names the epoch and batch) or on the test set after
/// an epoch (batch −1). The epoch it happened in is not recorded.</summary>
public sealed class TrainingDivergedException(int epoch, int batch, double loss)
    : Exception(batch >= 0
        ? $"loss is {loss} at epoch {epoch + 1}, batch {batch + 1}; lower --lr or check the data"
        : $"test loss is {loss} after epoch {epoch + 1}; lower --lr or check the data")
{
    /// <summary>0-based epoch.</summary>
    public int Epoch { get; } = epoch;
    /// <summary>0-based batch within the epoch; −1 when the test loss diverged.</summary>
    public int Batch { get; } = batch;
}
