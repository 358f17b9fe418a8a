namespace SpikeKit.Neurons;

/// <summary>
/// Multi-step integrate-and-fire neuron: a <see cref="LifNeuron"/> without leak (τ = 1):
/// <c>u_pre[t] = u[t−1] + x[t]</c>, <c>o[t] = H(u_pre[t] − V_th)</c>, hard or soft reset.
/// </summary>
public sealed class IfNeuron : LifNeuron
{
    /// <summary>Creates an IF neuron; any <c>Tau</c> in <paramref name="options"/> is replaced by 1.</summary>
    public IfNeuron(NeuronOptions? options = null, string name = "if") : base((options ?? new NeuronOptions()) with { Tau = 1.0 }, name) { }
}
