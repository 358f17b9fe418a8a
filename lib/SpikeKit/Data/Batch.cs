using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>One mini-batch from a <see cref="IBatchSource"/> (<see cref="BatchLoader"/>, <see cref="ImageFolderLoader"/>).</summary>
/// <param name="Images">float32 <c>[B, C, H, W]</c>, normalized per channel: <c>(pixel/255 − mean)/std</c>; for event data
/// (<see cref="Events.EventBatchLoader"/>) the frames <c>[T, B, 2, H, W]</c>.</param>
/// <param name="Labels">int64 <c>[B]</c>.</param>
/// <remarks>The tensors belong to the dispose scope that was current when the batch was produced; with no scope,
/// dispose them yourself (<see cref="Dispose"/>).</remarks>
public readonly record struct Batch(Tensor Images, Tensor Labels) : IDisposable
{
    /// <summary>Number of samples B.</summary>
    public int Size => Labels is null ? 0 : checked((int)Labels.shape[0]);

    /// <summary>Disposes both tensors (harmless if a dispose scope already did).</summary>
    public void Dispose()
    {
        Images?.Dispose();
        Labels?.Dispose();
    }
}
