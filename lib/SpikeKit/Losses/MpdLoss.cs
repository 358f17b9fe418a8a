using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// Membrane-potential-distribution loss (after RecDis-SNN, Guo et al., CVPR 2022): penalizes potentials far below the
/// threshold (degeneration), far above it (saturation) and outside the surrogate's non-zero interval (gradient mismatch),
/// here as the squared distance of <c>u_pre</c> to the interval [<paramref name="Lower"/>, <paramref name="Upper"/>]:
/// <code>L_l = mean over (t, b, neurons) of relu(Lower − u)² + relu(u − Upper)²,   L_MPD = mean over layers</code>
/// Defaults [0, 1]: the support of the tanh surrogate for V_th = 0.5.
/// </summary>
/// <param name="Lower">Lower bound of the wanted interval.</param>
/// <param name="Upper">Upper bound of the wanted interval.</param>
/// <param name="Layers">Which spiking layers; all by default.</param>
public sealed record MpdLoss(double Lower = 0.0, double Upper = 1.0, LayerSelection? Layers = null) : IRegularizer
{
    /// <inheritdoc />
    public string Name => "mpd";

    /// <inheritdoc />
    public Tensor Compute(IReadOnlyList<NeuronActivity> layers)
    {
        var selected = (Layers ?? LayerSelection.All).Select(layers);
        if (selected.Count == 0) throw new ArgumentException("MPD-Loss: no spiking layer selected");
        var terms = selected.Select(l =>
        {
            // square() out of place: relu's backward reads its output.
            using var under = l.Potential.neg().add_(Lower).relu_();
            using var over = l.Potential.sub(Upper).relu_();
            using var below = under.square();
            using var above = over.square();
            using var s = below.add_(above);
            return s.mean();
        }).ToArray();
        try
        {
            using var st = stack(terms);
            return st.mean();
        }
        finally { foreach (var t in terms) t.Dispose(); }
    }
}
