using SpikeKit.Surrogates;

namespace SpikeKit.Neurons;

/// <summary>
/// Settings of a multi-step spiking neuron. Defaults are those of the RMP-Loss group's published code:
/// decay <c>τ = 0.25</c>, threshold <c>V_th = 0.5</c>, hard reset, tanh surrogate.
/// </summary>
/// <param name="Tau">Decay factor τ of <c>u_pre[t] = τ·u[t−1] + x[t]</c>; 1 gives an IF neuron.</param>
/// <param name="Threshold">Firing threshold V_th.</param>
/// <param name="Reset">Hard (to zero) or soft (subtract V_th) reset.</param>
/// <param name="DetachReset">If true, no gradient flows through the reset path (Zenke &amp; Vogels 2021).</param>
/// <param name="Surrogate">Surrogate gradient; null means <see cref="Surrogate.Default"/> (tanh).</param>
/// <param name="Fused">Use the fused multi-step kernel (one autograd node for all T, hand-written BPTT) on CPU float32
/// inputs; false runs the op-by-op reference path. Both give the same values and gradients. In the zoo models
/// (<see cref="Models.Blocks"/>) it also selects the fused forms of the layers around the neurons: batch norm in training
/// (<see cref="Layers.ThresholdDependentBatchNorm"/>), average pooling (<see cref="Layers.AveragePool"/>) and the input gradient of
/// stride-1 convolutions (<see cref="Layers.TimeDistributed"/>); false runs every layer in its reference (LibTorch) form.</param>
/// <param name="Recompute">Fused kernel only: trade compute for memory. Backward recomputes the potentials from the input
/// instead of keeping a <c>[T, B, ...]</c> copy of them from forward to backward. The gradients are identical; it saves that
/// copy when nothing else holds the potentials (<see cref="SpikingNeuron.RecordActivity"/> off, i.e. no potential-based
/// regularizer) and costs one extra pass over the input in backward.</param>
/// <param name="Rectifier">InfLoR-SNN's membrane potential rectifier φ applied before firing, <c>o = H(φ(u_pre) − V_th)</c>
/// (see <see cref="InflorRectifier"/>); null = none. Pair it with <see cref="ResetMode.Soft"/> for InfLoR-SNN as published
/// (the run configuration requires that; here any reset is allowed, for ablations). A neuron with a rectifier runs the
/// op-by-op path (the fused kernel has no rectifier), whatever <see cref="Fused"/> says.</param>
public sealed record NeuronOptions(
    double Tau = 0.25,
    double Threshold = 0.5,
    ResetMode Reset = ResetMode.Hard,
    bool DetachReset = false,
    Surrogate? Surrogate = null,
    bool Fused = true,
    bool Recompute = false,
    InflorRectifier? Rectifier = null)
{
    /// <summary>The surrogate in use (the default when <see cref="Surrogate"/> is null).</summary>
    public Surrogate SurrogateOrDefault => Surrogate ?? Surrogate.Default;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a value is out of range.</summary>
    public NeuronOptions Validate()
    {
        if (!(Tau > 0 && Tau <= 1)) throw new ArgumentException($"Tau must be in (0, 1], got {Tau}", nameof(Tau));
        if (!(Threshold > 0) || double.IsInfinity(Threshold)) throw new ArgumentException($"Threshold must be > 0, got {Threshold}", nameof(Threshold));
        Rectifier?.Validate();
        return this;
    }
}
