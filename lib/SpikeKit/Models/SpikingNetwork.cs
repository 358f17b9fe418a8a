using SpikeKit.Kernels;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// Base of SpikeKit's networks. Input is either a static image <c>[B, C, H, W]</c> presented at each of
/// <see cref="TimeSteps"/> steps (direct encoding), or a time-varying input <c>[T, B, C, H, W]</c> such as event frames;
/// <see cref="forward"/> returns the per-timestep outputs <c>[T, B, K]</c> (task losses average them over T; TET uses each).
/// </summary>
/// <remarks>
/// Static input: because the input is the same at every timestep, the stateless layers before the first spiking neuron
/// (<see cref="Stem"/>) give the same result at every step; they run once on <c>[B, ...]</c> and their output is repeated over T.
/// This equals running them on the repeated input (batch statistics of T identical copies are those of one copy).
/// Time-varying input: the stem runs on all T frames at once, as <c>[T·B, C, H, W]</c> (its BN statistics are then over
/// T·B·H·W, those of tdBN), and its output is viewed as <c>[T, B, ...]</c>.
/// </remarks>
public abstract class SpikingNetwork : nn.Module<Tensor, Tensor>
{
    IReadOnlyList<(string Name, SpikingNeuron Neuron)>? _neurons;

    /// <summary>Number of timesteps T.</summary>
    public int TimeSteps => Options.TimeSteps;

    /// <summary>The options the network was built with (T, neuron, norm, input shape, classes, width).</summary>
    public ModelOptions Options { get; }

    /// <summary>Creates the base after validating <paramref name="options"/>.</summary>
    protected SpikingNetwork(string name, ModelOptions options) : base(name)
    {
        Options = options.Validate();
    }

    /// <summary>Memory layout of the activations on the CPU (see <see cref="MemoryLayout"/>): the input is laid out so before
    /// the stem and every layer keeps its input's layout. Each network's default is the faster one for its shapes.</summary>
    public MemoryLayout Layout { get; set; }

    /// <summary>The network's layers as a graph with per-sample shapes, in forward order (see <see cref="ModelGraph"/>).</summary>
    public abstract ModelGraph Graph();

    /// <summary>Stateless layers applied once to the static input <c>[B, ...]</c> before the repeat over time.</summary>
    protected abstract Tensor Stem(Tensor x);

    /// <summary>The rest of the network on <c>[T, B, ...]</c>, returning <c>[T, B, K]</c>.</summary>
    protected abstract Tensor Body(Tensor x);

    /// <summary>Per-timestep outputs <c>[T, B, K]</c> for a static batch <c>[B, C, H, W]</c> or a time-varying one
    /// <c>[T, B, C, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">A 5-D input whose first dimension is not <see cref="TimeSteps"/>.</exception>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() == 5)
        {
            if (x.shape[0] != TimeSteps)
                throw new ArgumentException($"{GetName()}: input has {x.shape[0]} timesteps, the network {TimeSteps}");
            long t = x.shape[0], b = x.shape[1];
            using var folded = x.reshape(t * b, x.shape[2], x.shape[3], x.shape[4]);
            using var flat = InLayout(folded);
            using var stem = Stem(flat);
            using var timed = stem.view([t, b, .. stem.shape[1..]]);
            return Body(timed);
        }
        using var input = InLayout(x);
        using var s = Stem(input);
        using var repeated = RepeatedInput.Expand(s, TimeSteps);
        return Body(repeated);
    }

    /// <summary>An image batch <c>[N, C, H, W]</c> in <see cref="Layout"/> (an alias when it already is, or off the CPU).</summary>
    Tensor InLayout(Tensor x) =>
        Layout == MemoryLayout.ChannelsLast && x.dim() == 4 && x.device_type == DeviceType.CPU ? CpuKernel.ToChannelsLast(x, 1) : x.alias();

    /// <summary>The spiking neurons with their module paths.</summary>
    public IReadOnlyList<(string Name, SpikingNeuron Neuron)> Neurons => _neurons ??= SpikingLayers.Find(this);

    /// <summary>The latest forward pass's activity of every spiking layer (valid until the step's dispose scope ends).</summary>
    public IReadOnlyList<NeuronActivity> Activity() => SpikingLayers.Activity(Neurons);

    /// <summary>Switches activity recording of every neuron on or off (off saves memory when nothing reads it).</summary>
    public void RecordActivity(bool on)
    {
        foreach (var (_, n) in Neurons) n.RecordActivity = on;
    }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}
