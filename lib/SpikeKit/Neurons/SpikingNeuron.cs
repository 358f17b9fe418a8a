using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// Base of multi-step spiking neurons: input currents <c>x</c> of shape <c>[T, B, ...]</c> in, spikes of the same shape out.
/// The latest forward pass's potentials and spikes are exposed through <see cref="Activity"/> for losses and probes;
/// the neuron keeps no state between forward calls (each call starts from <c>u = 0</c>).
/// </summary>
public abstract class SpikingNeuron : nn.Module<Tensor, Tensor>
{
    /// <summary>Neuron settings.</summary>
    public NeuronOptions Options { get; }

    Snapshot? _last;

    /// <summary>Creates the neuron after validating <paramref name="options"/>.</summary>
    protected SpikingNeuron(string name, NeuronOptions options) : base(name) => Options = options.Validate();

    /// <summary>If false, <see cref="Activity"/> stays null (saves nothing; potentials are not stacked when the implementation allows).</summary>
    public bool RecordActivity { get; set; } = true;

    /// <summary>Potentials and spikes of the latest forward pass (valid until the step's dispose scope ends), or null.</summary>
    public (Tensor Potential, Tensor Spikes)? Activity => _last is { } a && !a.Potential.IsInvalid ? (a.Potential, a.Spikes) : null;

    /// <summary>Forgets the latest activity (the tensors themselves belong to the caller's scope).</summary>
    public void ClearActivity() => _last = null;

    /// <summary>Called by implementations at the end of forward.</summary>
    protected void Remember(Tensor potential, Tensor spikes) => _last = RecordActivity ? new Snapshot(potential, spikes.alias()) : null;

    sealed record Snapshot(Tensor Potential, Tensor Spikes);
}
