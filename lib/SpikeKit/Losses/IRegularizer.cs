using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>A regularizer on the spiking layers' activity of the current forward pass.</summary>
public interface IRegularizer
{
    /// <summary>Short name used in metrics files (e.g. <c>rmp</c>, <c>im</c>, <c>mpd</c>).</summary>
    string Name { get; }

    /// <summary>The scalar regularizer over the given layers (in network order).</summary>
    Tensor Compute(IReadOnlyList<NeuronActivity> layers);
}
