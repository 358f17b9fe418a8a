using TorchSharp;
using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// RMP-Loss (Guo et al., "RMP-Loss: Regularizing Membrane Potential Distribution for Spiking Neural Networks", ICCV 2023):
/// pushes each layer's pre-firing membrane potentials toward the spike values 0 and 1 to shrink the quantization error.
/// Our reading of the paper (every choice a parameter; defaults give the formula below):
/// <code>
/// L_l   = mean over (t, b, neurons) of  (clip(u_pre, 0, 1) − o)²
/// L_RMP = mean over the selected layers l of L_l
/// </code>
/// With V_th = 0.5 this is the squared distance of the clipped potential to its nearest spike value.
/// Combine with a task loss and a λ schedule in <see cref="CompositeLoss"/>.
/// </summary>
/// <param name="Clip">Clip the potential to [<paramref name="ClipMin"/>, <paramref name="ClipMax"/>] first (gradient zero outside).</param>
/// <param name="ClipMin">Lower clip bound, default 0 (the spike value "no spike").</param>
/// <param name="ClipMax">Upper clip bound, default 1 (the spike value "spike").</param>
/// <param name="Distance">Squared (default) or absolute difference.</param>
/// <param name="Layers">Which spiking layers are regularized; all by default.</param>
/// <param name="DetachSpikes">If true (default) the spikes are a constant target and the gradient moves only the potentials;
/// if false it also flows into the spikes through the surrogate.</param>
public sealed record RmpLoss(
    bool Clip = true,
    double ClipMin = 0.0,
    double ClipMax = 1.0,
    DistanceKind Distance = DistanceKind.Squared,
    LayerSelection? Layers = null,
    bool DetachSpikes = true) : IRegularizer
{
    /// <inheritdoc />
    public string Name => "rmp";

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<NeuronActivity> layers)
    {
        var selected = (Layers ?? LayerSelection.All).Select(layers);
        if (selected.Count == 0) throw new ArgumentException("RMP-Loss: no spiking layer selected");
        Tensor? sum = null;
        foreach (var layer in selected)
        {
            using var term = LayerTerm(layer);
            var next = sum is null ? term.clone() : sum.add(term);
            sum?.Dispose();
            sum = next;
        }
        using var count = ((double)selected.Count).ToScalar();
        using (sum) return sum!.div(count);
    }

    /// <summary>L_l for one layer. On CPU float32 it runs as one fused node (a single pass forward and one backward,
    /// no temporaries); elsewhere as tensor ops. Both give the same value and gradients.</summary>
    public Tensor LayerTerm(NeuronActivity layer)
    {
        if (FusedRmp.Supports(layer.Potential, layer.Spikes)) return FusedRmp.Term(layer.Potential, layer.Spikes, this);
        return LayerTermOps(layer);
    }

    /// <summary>L_l by tensor ops (the reference for the fused path).</summary>
    Tensor LayerTermOps(NeuronActivity layer)
    {
        using var u = Clip ? layer.Potential.clamp(ClipMin, ClipMax) : layer.Potential.alias();
        using var o = DetachSpikes ? layer.Spikes.detach() : layer.Spikes.alias();
        using var d = u.sub(o);
        using var p = Distance == DistanceKind.Squared ? d.square() : d.abs();
        return p.mean();
    }
}
