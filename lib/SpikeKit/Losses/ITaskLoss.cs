using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>A task (classification) loss on per-timestep network outputs <c>O</c> of shape <c>[T, B, K]</c>.</summary>
public interface ITaskLoss
{
    /// <summary>Short name used in metrics files (e.g. <c>ce</c>, <c>tet</c>).</summary>
    string Name { get; }

    /// <summary>The scalar loss for outputs <c>[T, B, K]</c> and integer class targets <c>[B]</c>.</summary>
    Tensor Compute(Tensor outputs, Tensor targets);
}
