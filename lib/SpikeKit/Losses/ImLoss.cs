using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// IM-Loss (Guo et al., "IM-Loss: Information Maximization Loss for Spiking Neural Networks", NeurIPS 2022): pushes each
/// layer's firing rate toward 0.5, where a binary spike carries the most entropy:
/// <code>L_IM = mean over layers l of (mean(o_l) − r*)²,   r* = 0.5</code>
/// The group's code adds it as CE + 0.005·L_IM.
/// </summary>
/// <param name="TargetRate">r*, default 0.5.</param>
/// <param name="Layers">Which spiking layers; all by default.</param>
public sealed record ImLoss(double TargetRate = 0.5, LayerSelection? Layers = null) : IRegularizer
{
    /// <inheritdoc />
    public string Name => "im";

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<NeuronActivity> layers)
    {
        var selected = (Layers ?? LayerSelection.All).Select(layers);
        if (selected.Count == 0) throw new ArgumentException("IM-Loss: no spiking layer selected");
        var terms = selected.Select(l => { using var m = l.Spikes.mean(); return m.sub(TargetRate).pow_(2); }).ToArray();
        try
        {
            using var st = stack(terms);
            return st.mean();
        }
        finally { foreach (var t in terms) t.Dispose(); }
    }
}
