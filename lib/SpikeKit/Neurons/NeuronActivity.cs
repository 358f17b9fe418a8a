using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// What one spiking layer did in the current forward pass: pre-firing membrane potentials <c>u_pre</c> and spikes
/// <c>o</c>, both <c>[T, B, ...]</c>. The tensors belong to the step's dispose scope and are gone after the step;
/// read them (losses, probes) before the scope ends.
/// </summary>
/// <param name="Name">The layer's module path in its network (e.g. <c>features.lif1</c>).</param>
/// <param name="Potential">Pre-firing membrane potentials, <c>[T, B, ...]</c>, in the autograd graph.</param>
/// <param name="Spikes">Emitted spikes (0/1), <c>[T, B, ...]</c>, in the autograd graph.</param>
/// <param name="Threshold">The layer's firing threshold V_th.</param>
public sealed record NeuronActivity(string Name, Tensor Potential, Tensor Spikes, double Threshold);

/// <summary>Finds the spiking layers of a network and reads their latest activity.</summary>
public static class SpikingLayers
{
    /// <summary>The spiking neurons in <paramref name="network"/> with their module paths, in registration order.</summary>
    public static IReadOnlyList<(string Name, SpikingNeuron Neuron)> Find(TorchSharp.torch.nn.Module network) =>
        network.named_modules().Where(m => m.module is SpikingNeuron).Select(m => (m.name, (SpikingNeuron)m.module)).ToList();

    /// <summary>The latest forward pass's activity of every spiking neuron in <paramref name="network"/> that recorded one.</summary>
    public static IReadOnlyList<NeuronActivity> Activity(TorchSharp.torch.nn.Module network) => Activity(Find(network));

    /// <summary>The latest activity of the given neurons (those that recorded one).</summary>
    public static IReadOnlyList<NeuronActivity> Activity(IReadOnlyList<(string Name, SpikingNeuron Neuron)> neurons)
    {
        var list = new List<NeuronActivity>(neurons.Count);
        foreach (var (name, n) in neurons)
            if (n.Activity is { } a) list.Add(new NeuronActivity(name, a.Potential, a.Spikes, n.Options.Threshold));
        return list;
    }
}
