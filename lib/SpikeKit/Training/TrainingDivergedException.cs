namespace SpikeKit.Training;

/// <summary>The loss became NaN or infinite; the message names the epoch and batch.</summary>
public sealed class TrainingDivergedException(int epoch, int batch, double loss)
    : Exception($"loss is {loss} at epoch {epoch + 1}, batch {batch + 1}; lower --lr or check the data")
{
    /// <summary>0-based epoch.</summary>
    public int Epoch { get; } = epoch;
    /// <summary>0-based batch within the epoch.</summary>
    public int Batch { get; } = batch;
}
