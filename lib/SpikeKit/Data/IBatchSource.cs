namespace SpikeKit.Data;

/// <summary>
/// What <see cref="Training.Trainer"/> reads batches from: the in-memory <see cref="BatchLoader"/> or the streaming
/// <see cref="ImageFolderLoader"/>.
/// </summary>
/// <remarks>Implementations make <see cref="Epoch"/> a pure function of (seed, epoch), so a run resumed at epoch e sees the
/// same batches as an uninterrupted one.</remarks>
public interface IBatchSource
{
    /// <summary>Number of batches <see cref="Epoch"/> yields.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>The batches of one epoch; their tensors belong to the dispose scope current when the enumerator advances.</summary>
    IEnumerable<Batch> Epoch(int epoch);
}
